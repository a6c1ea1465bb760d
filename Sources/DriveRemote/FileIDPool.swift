import DriveAPI
import DriveSyncCore

/// File IDs from `files.generateIds`, fetched a hundred at a time and handed out one by one, so a create
/// costs one call instead of two.
actor FileIDPool {
    private let drive: DriveClient
    private var available: [String] = []
    private var refill: Task<[String], any Error>?
    static let batch = 100

    init(drive: DriveClient) { self.drive = drive }

    func next() async throws -> String {
        while available.isEmpty {
            // One fetch at a time; everyone waiting shares it, and whoever resumes first stores its IDs.
            let task: Task<[String], any Error>
            if let refill {
                task = refill
            } else {
                let drive = self.drive
                task = Task { try await drive.generateIds(count: Self.batch) }
                refill = task
            }
            let fetched: [String]
            do {
                fetched = try await task.value
            } catch {
                if refill == task { refill = nil }
                throw error
            }
            if refill == task {
                refill = nil
                guard !fetched.isEmpty else {
                    throw DriveAPIError(
                        code: .invalidResponse,
                        message: "Drive generated no file IDs",
                        method: "files.generateIds"
                    )
                }
                available += fetched
            }
        }
        return available.removeLast()
    }

    /// Returns an ID that was not used after all (a create that resumed an earlier one's ID).
    func giveBack(_ id: String) { available.append(id) }
}
