// Core's vocabulary — paths, locations' parts, errors and exit statuses, stop requests, timestamps — is part
// of Kit's API: callers of Kit (the commands, the service) name these types without importing Core. The
// same holds for the logger a caller hands to Kit.
@_exported public import DriveSyncCore

// What Kit's backup operations return: records and their changelogs, plan steps, retention rules.
@_exported import struct Backup.BackupRecord
@_exported import enum Backup.BackupStep
@_exported import struct Backup.RetentionPolicy
// What Kit's index and search return, and the extraction API usable on any async byte sequence.
@_exported import struct ContentExtraction.ContentExtractor
@_exported import enum ContentExtraction.ContentFormat
@_exported import struct ContentExtraction.ContentTypeFilter
@_exported import struct ContentExtraction.ExtractedText
@_exported import struct ContentExtraction.ExtractionFailure
@_exported import struct ContentExtraction.ExtractionLimits
@_exported import struct ContentExtraction.FilenamePattern
@_exported import protocol ContentExtraction.RandomAccessBytes
@_exported import struct ContentIndex.IndexSummary
@_exported import struct ContentIndex.SearchHit
@_exported import struct DurableQueue.JobAttempt
@_exported import struct DurableQueue.JobDatabase
@_exported import struct DurableQueue.JobFilter
@_exported import enum DurableQueue.JobState
@_exported import class DurableQueue.QueueWorkers
@_exported import struct Logging.Logger
// The durable queue's vocabulary that `DriveJobs`, `drivesync worker` and `drivesync jobs` speak.
@_exported import enum SQLDatabase.DatabaseLocation
// The JSON Lines file the logs and the service's audit log are written to.
@_exported import class SyncEngine.JSONLinesLog
@_exported import enum SyncEngine.PullAction
@_exported import enum SyncEngine.SyncAction
// What Kit's sync and pull operations return: plans and their actions, progress, the state's pairs and
// failed uploads.
@_exported import struct SyncEngine.SyncPlan
@_exported import enum SyncEngine.SyncProgress
@_exported import struct SyncState.FailedUpload
@_exported import struct SyncState.SyncPair
