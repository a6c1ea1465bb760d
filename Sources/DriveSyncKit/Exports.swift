// Core's vocabulary — paths, locations' parts, errors and exit statuses, stop requests, timestamps — is part
// of Kit's API: callers of Kit (the commands, the service) name these types without importing Core. The
// same holds for the logger a caller hands to Kit.
@_exported public import DriveSyncCore
@_exported import struct Logging.Logger
