import DriveSyncCore
import Testing

struct UserFacingErrorTests {
    struct Wrapper: WrappingError {
        var underlyingError: (any Error)?
    }

    struct CredentialFailure: CredentialAwareError {
        var credentialProblem: CredentialProblem?
        var description: String { "credentials" }
    }

    @Test func signalsExitAsShellsReportThem() {
        #expect(ExitStatus.signalled(2).code == 130)
        #expect(ExitStatus.signalled(15).code == 143)
    }

    @Test func credentialProblemsHaveTheirOwnStatus() {
        #expect(CredentialFailure(credentialProblem: .rejected).exitStatus == .credentials)
        #expect(CredentialFailure(credentialProblem: nil).exitStatus == .failure)
        #expect(RemoteError(.notFound, .root).exitStatus == .failure)
    }

    @Test func cancellationIsFoundThroughCauses() {
        #expect(isCancellation(CancellationError()))
        #expect(isCancellation(Wrapper(underlyingError: Wrapper(underlyingError: CancellationError()))))
        #expect(!isCancellation(Wrapper(underlyingError: RemoteError(.io, .root))))
        #expect(!isCancellation(Wrapper(underlyingError: nil)))
    }

    @Test func aStopRequestIsSeenOnceMade() {
        let stop = StopRequest()
        #expect(!stop.isRequested)
        stop.request()
        #expect(stop.isRequested)
    }
}
