import Logging

/// The single place where errors become HTTP: API errors render their DRF body; an unreachable
/// database is a 503; anything else is logged with the request id and answered with a generic
/// 500 JSON body (never HTML, never a stack trace).
enum ErrorRenderer {
    static func response(for error: any Error, logger: Logger) -> HTTPResponse {
        switch error {
        case let api as APIError:
            return api.response
        case let failure as MFAFailure:
            if failure == .secretUnreadable {
                logger.error("a second-factor secret does not decrypt with the configured keys: run `authkit doctor`")
            }
            return failure.apiError.response
        case let failure as PasskeyFailure:
            return failure.apiError.response
        case is DatabaseUnavailable:
            return APIError.serviceUnavailable.response
        default:
            logger.error("unhandled error", metadata: ["error_type": "\(type(of: error))", "error": "\(error)"])
            return APIError.serverError.response
        }
    }
}
