public import ContentExtraction
public import DriveSyncCore
public import Foundation
public import SyncState

/// DriveSync's settings: accounts and defaults, from a hand-editable INI file in the user's config folder
/// (`--config` or `DRIVESYNC_CONFIG` choose another), with a project's `.drivesync.ini` over it.
///
/// ```
/// [defaults]
/// transfers = 8
/// checkers = 8
/// upload_log = ~/logs/uploads.jsonl
/// archive_log = ~/logs/archive.jsonl
/// ignore = *.tmp, build/
/// removals = archive          # or trash
/// replaced = archive          # or revision: keep the old version as a pinned Drive revision
/// archive_folder = Archive
///
/// [account work]
/// endpoint = http://127.0.0.1:8080   # any Drive-compatible API base URL
/// access_token = ...                  # a fixed token (scripts, an emulator started separately)
/// client_id = ...                     # the OAuth client for drivesync auth login
/// client_secret = ...
/// remote_root = Team/Notes            # drive paths start here (default: My Drive)
/// pacing = drive                      # or none: Drive's request limits (default for every remote endpoint)
/// ca_certificate = ~/corp-ca.pem      # PEM certificates trusted besides the system's (a proxy, an emulator)
/// default = true
/// watch = true                        # the service follows its changes; watch_drives = ID, ID for shared drives
/// daily_upload_limit = 750G           # Drive's cap per rolling 24 hours (0: none); uploads wait past it
///
/// [service]
/// index = all                         # index every watched account's changes as they arrive (or: NAME, NAME)
///
/// [notify app]                        # where the service POSTs events, signed with the secret
/// url = https://app.example/hooks/drive
/// secret = ...
/// events = file.changed, file.removed
///
/// [fields charts]                     # filename fields for the content index, searchable as key:Gm
/// folder = Charts
/// pattern = "{title} - {key} ({type}).pdf"
///
/// [processor ocr]                     # content on standard input; JSON Lines of text and fields out
/// command = /usr/local/bin/ocr --json
/// types = application/pdf, image/*
/// timeout = 60
/// ```
public struct Configuration: Sendable, Hashable {
    public struct Account: Sendable, Hashable {
        public var name: String
        public var endpoint: String?
        public var uploadEndpoint: String?
        public var accessToken: String?
        /// The OAuth client for `drivesync auth login` (or DRIVESYNC_CLIENT_ID / DRIVESYNC_CLIENT_SECRET).
        public var clientID: String?
        public var clientSecret: String?
        public var remoteRoot: RemotePath
        public var isDefault: Bool
        /// How calls are paced; Drive's limits unless the account says otherwise.
        public var pacing = Pacing.drive
        /// Whether the service follows the account's changes (push channels, or polling).
        public var watch = true
        /// Shared drives (by id) whose changes the service follows too, each with its own channel.
        public var watchDrives: [String] = []
        /// Bytes the account may upload per rolling 24 hours (Drive's 750 GB cap); `nil` for no limit.
        public var dailyUploadLimit: Int64? = UploadLedger.driveDailyLimit
        /// A PEM file of certificate authorities trusted besides the system's, for an endpoint behind a
        /// private CA (a company proxy, an emulator with its own certificate).
        public var caCertificateFile: String?

        public init(
            name: String,
            endpoint: String? = nil,
            uploadEndpoint: String? = nil,
            accessToken: String? = nil,
            remoteRoot: RemotePath = .root,
            isDefault: Bool = false
        ) {
            self.name = name
            self.endpoint = endpoint
            self.uploadEndpoint = uploadEndpoint
            self.accessToken = accessToken
            self.remoteRoot = remoteRoot
            self.isDefault = isDefault
        }
    }

    /// What happens to a remote copy that a sync replaces.
    public enum ReplacedCopies: String, Sendable, Hashable {
        /// Moved to the archive folder with a timestamped name.
        case archive
        /// Kept as a pinned ("keep forever") revision of the same Drive file.
        case revision
    }

    /// How an account's calls are paced.
    public enum Pacing: String, Sendable, Hashable, CaseIterable {
        /// Drive's limits: a read budget and an adaptive write budget starting at 3 writes/s, so a run
        /// against Google, or anything enforcing the same limits, meets no rate-limit storm.
        case drive
        /// No pacing: the embedded local drive's default.
        case none
    }

    /// Where mirrored deletions go.
    public enum Removals: String, Sendable, Hashable {
        case archive
        case trash
    }

    /// `drivesync serve`: where it listens and what it records (`[service]`; each also a flag).
    public struct Service: Sendable, Hashable {
        public var host = "127.0.0.1"
        public var port = 8080
        /// The address clients and Google reach the service at (behind a proxy), for OAuth redirects.
        public var publicURL: String?
        public var tlsCertificate: String?
        public var tlsKey: String?
        /// The audit log; `logs/audit.jsonl` in the data folder when not set.
        public var auditLog: String?
        /// Accounts whose changes the service indexes as they arrive (`index = all`, or names; the
        /// embedded drive is `embedded`); none when empty.
        public var index: Set<String> = []
        /// Grace for requests and jobs in flight when the service is asked to stop.
        public var shutdownGrace = Duration.seconds(10)
        /// How long Drive metadata read through the service stays fresh, in seconds (0 turns the cache off).
        public var cacheTimeToLive: TimeInterval = 30
        /// Metadata entries kept per account at most.
        public var cacheEntries = 10_000
        /// How often the changes feed is read to drop what changed on Drive from the cache.
        public var cacheRefresh = Duration.seconds(15)
        /// How long a notified account's `apply-changes` run waits before it reads the feed, so the
        /// notifications of a burst share one run.
        public var notificationDelay = Duration.milliseconds(500)
        /// A watched account's feed is read when no notification came for this long (one was dropped).
        public var safetyPoll = Duration.seconds(600)
        /// How often a watched account's feed is read when Drive cannot notify (no `public_url`).
        public var pollInterval = Duration.seconds(60)
        /// Where jobs and the service's shared state live: `sqlite` (`service.sqlite` in the data folder),
        /// `sqlite:PATH` or `postgres://USER@HOST:PORT/DB`; `--database` and `DRIVESYNC_DATABASE` override it.
        public var database: String?
        /// Jobs `drivesync serve` runs at once in its own process (0: leave them to `drivesync worker`).
        public var workers = 2
        /// Finished jobs are kept this long.
        public var jobRetention = Duration.seconds(7 * 24 * 3600)
        /// How long a worker holds a job without renewing its lease; a dead worker's jobs run again after it.
        public var jobLease = Duration.seconds(30)

        public init() {}

        /// Whether changes of `account` are indexed.
        public func indexes(_ account: String) -> Bool { index.contains("all") || index.contains(account) }
    }

    /// A named job (`[pair NAME]`): what `{"pair": NAME}` runs in the service.
    public struct Pair: Sendable, Hashable {
        public var name: String
        public var kind = JobSpec.Kind.sync
        public var source = ""
        public var destination = ""
        public var delete = false
    }

    /// Where the service POSTs events (`[notify NAME]`), signed with the secret.
    public struct Notify: Sendable, Hashable {
        public var name: String
        public var url = ""
        public var secret = ""
        /// The event types sent; empty sends every type.
        public var events: Set<String> = []

        public init(name: String, url: String = "", secret: String = "", events: Set<String> = []) {
            self.name = name
            self.url = url
            self.secret = secret
            self.events = events
        }

        public func wants(_ type: String) -> Bool { events.isEmpty || events.contains(type) }
    }

    /// Filename fields (`[fields NAME]`): a pattern read from the names of files in a folder (below it
    /// too) and of some types.
    public struct FieldRule: Sendable, Hashable {
        public var name: String
        /// A path from the drive's root; nil: every folder.
        public var folder: String?
        public var pattern: FilenamePattern
        public var types: ContentTypeFilter

        public init(name: String, folder: String? = nil, pattern: FilenamePattern, types: ContentTypeFilter = .init(""))
        {
            self.name = name
            self.folder = folder
            self.pattern = pattern
            self.types = types
        }

        /// The fields this rule reads from a file at `path`, if it applies and the name fits.
        public func fields(path: String, mimeType: String) -> [String: String]? {
            let name = String(path.split(separator: "/").last ?? "")
            if let folder, !path.lowercased().hasPrefix(folder.lowercased() + "/") { return nil }
            guard types.matches(mimeType: mimeType, name: name) else { return nil }
            return pattern.fields(of: name)
        }
    }

    /// A user's program run on matching files' content (`[processor NAME]`): it reads the content on
    /// standard input and prints JSON Lines: `{"text": "..."}` adds text, other keys add fields.
    public struct Processor: Sendable, Hashable {
        public var name: String
        /// The program and its arguments (run directly, not through a shell).
        public var command: [String]
        public var types: ContentTypeFilter
        public var timeout: Duration

        public init(name: String, command: [String], types: ContentTypeFilter, timeout: Duration = .seconds(60)) {
            self.name = name
            self.command = command
            self.types = types
            self.timeout = timeout
        }
    }

    public var accounts: [Account] = []
    public var pairs: [Pair] = []
    public var notify: [Notify] = []
    public var fields: [FieldRule] = []
    public var processors: [Processor] = []
    public var service = Service()
    public var transfers = 4
    public var checkers = 8
    public var uploadLog: String?
    public var archiveLog: String?
    public var ignore: [String] = []
    public var removals = Removals.archive
    public var replaced = ReplacedCopies.archive
    public var archiveFolder = try! RemotePath("Archive")
    /// The files read, in order (later ones override).
    public var sources: [String] = []

    public init() {}

    public struct Invalid: UserFacingError, Hashable {
        public struct Code: Hashable, Sendable {
            let name: String
            /// Not INI: a line that is neither a section, a setting nor a comment.
            public static let syntax = Code(name: "syntax")
            /// A section or setting DriveSync does not know, or a value it cannot use.
            public static let setting = Code(name: "setting")
            /// The file named is missing or is not UTF-8 text.
            public static let unreadable = Code(name: "unreadable")
        }

        public var code: Code
        public var file: String
        public var message: String
        public var description: String { "invalid configuration \(file): \(message); fix or remove that line" }
    }

    /// Applies one file's settings over these.
    public mutating func apply(_ text: String, from file: String) throws(Invalid) {
        let ini: INIFile
        do { ini = try INIFile(parsing: text) } catch {
            throw Invalid(code: .syntax, file: file, message: error.description)
        }
        for section in ini.sections {
            func fail(_ key: String, _ message: String) -> Invalid {
                Invalid(code: .setting, file: file, message: "line \(section.lines[key] ?? section.line): \(message)")
            }
            switch (section.kind, section.name) {
            case ("defaults", nil):
                for (key, value) in section.values {
                    switch key {
                    case "transfers", "checkers":
                        guard let number = Int(value), number >= 1 else {
                            throw fail(key, "\(key) must be a whole number of at least 1")
                        }
                        if key == "transfers" { transfers = number } else { checkers = number }
                    case "upload_log": uploadLog = Self.expandingTilde(value)
                    case "archive_log": archiveLog = Self.expandingTilde(value)
                    case "ignore":
                        ignore += value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
                            !$0.isEmpty
                        }
                    case "removals":
                        guard let mode = Removals(rawValue: value) else {
                            throw fail(key, "removals is archive or trash")
                        }
                        removals = mode
                    case "replaced":
                        guard let mode = ReplacedCopies(rawValue: value) else {
                            throw fail(key, "replaced is archive or revision")
                        }
                        replaced = mode
                    case "archive_folder":
                        guard let path = try? RemotePath(value), !path.isRoot else {
                            throw fail(key, "archive_folder must be a folder path like Archive")
                        }
                        archiveFolder = path
                    default: throw fail(key, "unknown setting '\(key)' in [defaults]")
                    }
                }
            case ("service", nil):
                for (key, value) in section.values {
                    switch key {
                    case "host": service.host = value
                    case "port":
                        guard let port = Int(value), (0...65535).contains(port) else {
                            throw fail(key, "port is a number from 0 to 65535")
                        }
                        service.port = port
                    case "public_url":
                        guard let url = URL(string: value), url.scheme == "http" || url.scheme == "https",
                            url.host != nil
                        else { throw fail(key, "public_url must be an http(s) URL") }
                        service.publicURL = value.hasSuffix("/") ? String(value.dropLast()) : value
                    case "tls_cert": service.tlsCertificate = Self.expandingTilde(value)
                    case "tls_key": service.tlsKey = Self.expandingTilde(value)
                    case "audit_log": service.auditLog = Self.expandingTilde(value)
                    case "index":
                        service.index = Self.commaSeparated(value)
                    case "cache_ttl":
                        guard let seconds = Double(value), seconds >= 0 else {
                            throw fail(key, "cache_ttl is a number of seconds (0 turns the cache off)")
                        }
                        service.cacheTimeToLive = seconds
                    case "cache_entries":
                        guard let entries = Int(value), entries >= 0 else {
                            throw fail(key, "cache_entries is a whole number")
                        }
                        service.cacheEntries = entries
                    case "cache_refresh":
                        guard let seconds = Int(value), seconds >= 1 else {
                            throw fail(key, "cache_refresh is a whole number of seconds, at least 1")
                        }
                        service.cacheRefresh = .seconds(seconds)
                    case "notification_delay":
                        guard let seconds = Double(value), (0...3600).contains(seconds) else {
                            throw fail(key, "notification_delay is a number of seconds, 0 to 3600")
                        }
                        service.notificationDelay = .milliseconds(Int64(seconds * 1000))
                    case "safety_poll", "poll_interval":
                        guard let seconds = Int(value), (10...86_400).contains(seconds) else {
                            throw fail(key, "\(key) is a whole number of seconds from 10 to 86400")
                        }
                        if key == "safety_poll" {
                            service.safetyPoll = .seconds(seconds)
                        } else {
                            service.pollInterval = .seconds(seconds)
                        }
                    case "database":
                        service.database = value
                    case "workers":
                        guard let count = Int(value), (0...64).contains(count) else {
                            throw fail(key, "workers is a number from 0 to 64")
                        }
                        service.workers = count
                    case "job_lease":
                        guard let seconds = Int(value), (2...3600).contains(seconds) else {
                            throw fail(key, "job_lease is a whole number of seconds from 2 to 3600")
                        }
                        service.jobLease = .seconds(seconds)
                    case "job_retention":
                        guard let days = Int(value), days >= 1 else {
                            throw fail(key, "job_retention is a whole number of days, at least 1")
                        }
                        service.jobRetention = .seconds(days * 24 * 3600)
                    case "shutdown_grace":
                        guard let seconds = Int(value), seconds >= 0 else {
                            throw fail(key, "shutdown_grace is a whole number of seconds")
                        }
                        service.shutdownGrace = .seconds(seconds)
                    default: throw fail(key, "unknown setting '\(key)' in [service]")
                    }
                }
            case ("notify", let name?):
                var target = Notify(name: name)
                for (key, value) in section.values {
                    switch key {
                    case "url":
                        guard let url = URL(string: value), url.scheme == "http" || url.scheme == "https",
                            url.host != nil
                        else { throw fail(key, "url must be an http(s) URL") }
                        target.url = value
                    case "secret":
                        guard value.utf8.count >= 16 else {
                            throw fail(key, "secret must be at least 16 characters (head -c24 /dev/urandom | base64)")
                        }
                        target.secret = value
                    case "events":
                        target.events = Self.commaSeparated(value)
                    default: throw fail(key, "unknown setting '\(key)' in [notify \(name)]")
                    }
                }
                guard !target.url.isEmpty, !target.secret.isEmpty else {
                    throw fail("", "[notify \(name)] needs url and secret")
                }
                notify.removeAll { $0.name == name }
                notify.append(target)
            case ("fields", let name?):
                var folder: String?
                var pattern: FilenamePattern?
                var types = ContentTypeFilter("")
                for (key, value) in section.values {
                    switch key {
                    case "folder":
                        folder = value.split(separator: "/").joined(separator: "/")
                    case "pattern":
                        do {
                            pattern = try FilenamePattern(value)
                        } catch {
                            throw fail(key, "\(error)")
                        }
                    case "types": types = ContentTypeFilter(value)
                    default: throw fail(key, "unknown setting '\(key)' in [fields \(name)]")
                    }
                }
                guard let pattern else {
                    throw fail("", "[fields \(name)] needs a pattern, as in pattern = \"{title} - {key}.pdf\"")
                }
                fields.removeAll { $0.name == name }
                fields.append(FieldRule(name: name, folder: folder, pattern: pattern, types: types))
            case ("processor", let name?):
                var processor = Processor(name: name, command: [], types: ContentTypeFilter(""))
                for (key, value) in section.values {
                    switch key {
                    case "command":
                        processor.command = Self.commandWords(value)
                    case "types": processor.types = ContentTypeFilter(value)
                    case "timeout":
                        guard let seconds = Int(value), (1...3600).contains(seconds) else {
                            throw fail(key, "timeout is a whole number of seconds from 1 to 3600")
                        }
                        processor.timeout = .seconds(seconds)
                    default: throw fail(key, "unknown setting '\(key)' in [processor \(name)]")
                    }
                }
                guard !processor.command.isEmpty else { throw fail("", "[processor \(name)] needs a command") }
                processors.removeAll { $0.name == name }
                processors.append(processor)
            case ("pair", let name?):
                var pair = Pair(name: name)
                for (key, value) in section.values {
                    switch key {
                    case "kind":
                        guard let kind = JobSpec.Kind(rawValue: value) else {
                            throw fail(key, "kind is \(JobSpec.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
                        }
                        pair.kind = kind
                    case "source": pair.source = Self.expandingTilde(value)
                    case "destination": pair.destination = Self.expandingTilde(value)
                    case "delete":
                        guard let flag = Bool(value) else { throw fail(key, "delete is true or false") }
                        pair.delete = flag
                    default: throw fail(key, "unknown setting '\(key)' in [pair \(name)]")
                    }
                }
                guard !pair.source.isEmpty, !pair.destination.isEmpty else {
                    throw fail("", "[pair \(name)] needs source and destination")
                }
                pairs.removeAll { $0.name == name }
                pairs.append(pair)
            case ("account", let name?):
                guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }), name != "drive" else {
                    throw fail("", "an account name uses letters, digits, - and _ and is not 'drive'")
                }
                var account = accounts.first { $0.name == name } ?? Account(name: name)
                for (key, value) in section.values {
                    switch key {
                    case "endpoint", "upload_endpoint":
                        guard let url = URL(string: value), url.scheme == "http" || url.scheme == "https",
                            url.host != nil
                        else {
                            throw fail(key, "\(key) must be an http(s) URL")
                        }
                        let trimmed = value.hasSuffix("/") ? String(value.dropLast()) : value
                        if key == "endpoint" { account.endpoint = trimmed } else { account.uploadEndpoint = trimmed }
                    case "access_token": account.accessToken = value
                    case "ca_certificate": account.caCertificateFile = Self.expandingTilde(value)
                    case "client_id": account.clientID = value
                    case "client_secret": account.clientSecret = value
                    case "remote_root":
                        guard let path = try? RemotePath(value) else {
                            throw fail(key, "remote_root must be a folder path")
                        }
                        account.remoteRoot = path
                    case "default":
                        guard let flag = Bool(value) else { throw fail(key, "default is true or false") }
                        account.isDefault = flag
                    case "pacing":
                        guard let pacing = Pacing(rawValue: value) else { throw fail(key, "pacing is drive or none") }
                        account.pacing = pacing
                    case "daily_upload_limit":
                        guard let bytes = Self.byteSize(value) else {
                            throw fail(key, "daily_upload_limit is a size such as 750G or 500GiB, or 0 for none")
                        }
                        account.dailyUploadLimit = bytes == 0 ? nil : bytes
                    case "watch":
                        guard let flag = Bool(value) else { throw fail(key, "watch is true or false") }
                        account.watch = flag
                    case "watch_drives":
                        let ids = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                        guard
                            ids.allSatisfy({
                                !$0.isEmpty && $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
                            })
                        else { throw fail(key, "watch_drives is a comma-separated list of shared drive ids") }
                        account.watchDrives = ids
                    default: throw fail(key, "unknown setting '\(key)' in [account \(name)]")
                    }
                }
                accounts.removeAll { $0.name == name }
                accounts.append(account)
            default:
                throw Invalid(
                    code: .setting,
                    file: file,
                    message:
                        "line \(section.line): unknown section; use [defaults], [service], [account NAME], [pair NAME], [notify NAME], [fields NAME] or [processor NAME]"
                )
            }
        }
        if accounts.filter(\.isDefault).count > 1 {
            throw Invalid(code: .setting, file: file, message: "more than one account has default = true")
        }
        sources.append(file)
    }

    public func account(named name: String) -> Account? { accounts.first { $0.name == name } }

    /// `750G` (decimal, as Google states its limits), `500GiB` (binary), `1024`: bytes, or `nil`.
    static func byteSize(_ text: String) -> Int64? {
        let text = text.trimmingCharacters(in: .whitespaces)
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        guard let number = Int64(digits) else { return nil }
        let units: [String: Int64] = [
            "": 1, "B": 1, "K": 1_000, "KB": 1_000, "M": 1_000_000, "MB": 1_000_000, "G": 1_000_000_000,
            "GB": 1_000_000_000, "T": 1_000_000_000_000, "TB": 1_000_000_000_000, "KIB": 1 << 10, "MIB": 1 << 20,
            "GIB": 1 << 30, "TIB": 1 << 40,
        ]
        guard let unit = units[text.dropFirst(digits.count).trimmingCharacters(in: .whitespaces).uppercased()] else {
            return nil
        }
        let (bytes, overflow) = number.multipliedReportingOverflow(by: unit)
        return overflow ? nil : bytes
    }

    /// `a, b,,c` as {a, b, c}.
    static func commaSeparated(_ value: String) -> Set<String> {
        Set(value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }).subtracting([""])
    }

    /// A command line as words: split at spaces, quotes ("..." or '...') keeping spaces, no shell.
    static func commandWords(_ line: String) -> [String] {
        var words: [String] = []
        var word = ""
        var quote: Character?
        var inWord = false
        for character in line {
            if let open = quote {
                if character == open { quote = nil } else { word.append(character) }
            } else if character == "\"" || character == "'" {
                quote = character
                inWord = true
            } else if character.isWhitespace {
                if inWord { words.append(word) }
                word = ""
                inWord = false
            } else {
                word.append(character)
                inWord = true
            }
        }
        if inWord { words.append(word) }
        return words.map(expandingTilde)
    }

    static func expandingTilde(_ path: String) -> String {
        guard path.hasPrefix("~/") else { return path }
        return (ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()) + path.dropFirst()
    }

    /// The user's configuration file: `--config`, else `$DRIVESYNC_CONFIG`, else
    /// `$XDG_CONFIG_HOME/drivesync/config.ini`, else `~/.config/drivesync/config.ini`.
    public static func userFile(explicit: String?, environment: [String: String]) -> (path: String, required: Bool) {
        if let explicit { return (explicit, true) }
        if let path = environment["DRIVESYNC_CONFIG"], !path.isEmpty { return (path, true) }
        if let config = environment["XDG_CONFIG_HOME"], !config.isEmpty {
            return (config + "/drivesync/config.ini", false)
        }
        return ((environment["HOME"] ?? NSHomeDirectory()) + "/.config/drivesync/config.ini", false)
    }

    /// The name of a project's own settings file, read from the source folder.
    public static let projectFileName = ".drivesync.ini"

    /// Loads the user's file (missing is fine unless named explicitly) and then `projectFolder`'s
    /// `.drivesync.ini` when there is one.
    public static func load(
        explicit: String?,
        projectFolder: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(Invalid) -> Configuration {
        var configuration = Configuration()
        let (path, required) = userFile(explicit: explicit, environment: environment)
        if FileManager.default.fileExists(atPath: path) {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw Invalid(code: .unreadable, file: path, message: "cannot be read as UTF-8 text")
            }
            try configuration.apply(text, from: path)
        } else if required {
            throw Invalid(code: .unreadable, file: path, message: "no such file")
        }
        if let projectFolder {
            let project = projectFolder + "/" + projectFileName
            if let text = try? String(contentsOfFile: project, encoding: .utf8) {
                try configuration.apply(text, from: project)
            }
        }
        return configuration
    }
}
