/// Answers routes whose controller has not been built yet: the body is decoded and validated
/// with the endpoint's request type (so every transport rule of API.md §1 already holds), then
/// 501 JSON — never a fake success.
public struct PendingController: Sendable {
    public init() {}

    public func notImplemented(_ context: inout RequestContext) throws -> HTTPResponse {
        throw APIError.notImplemented
    }

    public func validateThenNotImplemented<T: RequestBody>(_ type: T.Type, _ context: inout RequestContext) throws -> HTTPResponse {
        _ = try context.decode(type)
        throw APIError.notImplemented
    }
}
