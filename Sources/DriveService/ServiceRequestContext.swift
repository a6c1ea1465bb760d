public import Hummingbird

/// The request context: Hummingbird's storage and the name of the API key the request was made with,
/// once the key middleware accepted it (the audit log records it).
public struct ServiceRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var keyName: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }
}
