/// Drive's resumable upload protocol as a state machine: the upload loop reports what happened and is
/// told what to do next; it does every request itself.
///
/// `initiate → send chunk → (query committed range → resume | restart) → finished`. A saved session
/// starts with a query; an expired session (404 or 410) starts over, at most `maximumRestarts` times.
struct ResumableUploadStateMachine: Sendable {
    /// What Drive said about the session: the bytes it holds, or the finished file.
    enum Answer<File: Sendable>: Sendable {
        case committed(Int64)
        case finished(File)
    }

    enum Action<File: Sendable>: Sendable {
        /// Start a new session.
        case initiate
        /// Ask Drive how much of this session it holds (`bytes */SIZE`).
        case queryCommitted(session: String)
        /// Send `length` bytes from `offset`.
        case send(session: String, offset: Int64, length: Int)
        case finish(File)
        case fail(Failure)
    }

    enum Failure: Error, Equatable, Sendable {
        /// Sessions kept expiring.
        case expiredTooOften
        /// Drive's committed range ends outside what was sent or beyond the file.
        case committedOutOfRange(committed: Int64, sentFrom: Int64, sentTo: Int64)
        /// Drive holds every byte but did not finish the file.
        case completeButUnfinished
    }

    private enum State: Sendable {
        case starting
        case initiating
        case querying(session: String)
        /// A chunk `offset..<offset + length` is on its way.
        case sending(session: String, offset: Int64, length: Int)
        case done
    }

    static let maximumRestarts = 2

    let size: Int64
    let chunkSize: Int
    private var state = State.starting
    private var restarts = 0

    init(size: Int64, chunkSize: Int) {
        self.size = size
        self.chunkSize = chunkSize
    }

    /// The first action: continue a saved session (after asking what it holds) or start one.
    mutating func start<File>(savedSession: String?) -> Action<File> {
        if let savedSession {
            state = .querying(session: savedSession)
            return .queryCommitted(session: savedSession)
        }
        state = .initiating
        return .initiate
    }

    /// Drive gave the new session's URI.
    mutating func initiated<File>(session: String) -> Action<File> { send(session: session, from: 0) }

    /// Drive answered a chunk or a status query.
    mutating func answered<File>(_ answer: Answer<File>) -> Action<File> {
        switch (state, answer) {
        case (_, .finished(let file)):
            state = .done
            return .finish(file)
        case (.sending(let session, let offset, let length), .committed(let committed)):
            guard committed >= offset, committed <= offset + Int64(length) else {
                state = .done
                return .fail(
                    .committedOutOfRange(committed: committed, sentFrom: offset, sentTo: offset + Int64(length))
                )
            }
            return send(session: session, from: committed)
        case (.querying(let session), .committed(let committed)):
            guard committed >= 0, committed <= size else {
                state = .done
                return .fail(.committedOutOfRange(committed: committed, sentFrom: 0, sentTo: size))
            }
            return send(session: session, from: committed)
        case (.starting, .committed), (.initiating, .committed), (.done, .committed):
            preconditionFailure("an answer arrived with no request outstanding")
        }
    }

    /// A chunk or query failed in a way worth retrying (the retry stage has waited): ask what Drive holds.
    mutating func failed<File>() -> Action<File> {
        switch state {
        case .sending(let session, _, _), .querying(let session):
            state = .querying(session: session)
            return .queryCommitted(session: session)
        case .starting, .initiating, .done:
            preconditionFailure("a failure arrived with no session request outstanding")
        }
    }

    /// The session is gone (404 or 410): start over from byte 0, a limited number of times.
    mutating func expired<File>() -> Action<File> {
        restarts += 1
        guard restarts <= Self.maximumRestarts else {
            state = .done
            return .fail(.expiredTooOften)
        }
        state = .initiating
        return .initiate
    }

    private mutating func send<File>(session: String, from offset: Int64) -> Action<File> {
        guard offset < size || (size == 0 && offset == 0) else {
            state = .done
            return .fail(.completeButUnfinished)
        }
        let length = Int(min(Int64(chunkSize), size - offset))
        state = .sending(session: session, offset: offset, length: length)
        return .send(session: session, offset: offset, length: length)
    }
}

extension ResumableUploadStateMachine.Action: Equatable where File: Equatable {}
