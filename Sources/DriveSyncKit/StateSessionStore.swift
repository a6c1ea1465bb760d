public import DriveAPI
import Foundation
public import SyncState

/// Keeps the Drive client's resumable sessions in the sync state, so a killed sync's large upload
/// continues from its last confirmed chunk on the next run.
public struct StateSessionStore: ResumableSessionStore {
    let sessions: UploadSessionStore

    public init(_ sessions: UploadSessionStore) { self.sessions = sessions }

    public func session(for key: String) async throws -> ResumableSession? {
        guard let body = try await sessions.sessionBody(for: key) else { return nil }
        return try? JSONDecoder().decode(ResumableSession.self, from: Data(body))
    }

    public func save(_ session: ResumableSession, for key: String) async throws {
        try await sessions.saveSessionBody(Array(try JSONEncoder().encode(session)), for: key)
    }

    public func removeSession(for key: String) async throws {
        try await sessions.removeSessionBody(for: key)
    }
}
