import DriveAPI
import Foundation
import SyncState

/// Keeps the Drive client's resumable sessions in the sync state, so a killed sync's large upload
/// continues from its last confirmed chunk on the next run.
struct StateSessionStore: ResumableSessionStore {
    let state: StateStore

    func session(for key: String) async throws -> ResumableSession? {
        guard let body = try await state.sessionBody(for: key) else { return nil }
        return try? JSONDecoder().decode(ResumableSession.self, from: Data(body))
    }

    func save(_ session: ResumableSession, for key: String) async throws {
        try await state.saveSessionBody(Array(try JSONEncoder().encode(session)), for: key)
    }

    func removeSession(for key: String) async throws {
        try await state.removeSessionBody(for: key)
    }
}
