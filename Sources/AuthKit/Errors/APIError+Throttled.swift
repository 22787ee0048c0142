extension APIError {
    /// DRF's Throttled: 429 with the wait in the message and Retry-After (no wait: locked).
    public static func throttled(wait: Int64?) -> APIError {
        guard let wait else { return detail(.tooManyRequests, "Request was throttled.") }
        var error = detail(.tooManyRequests,
                           "Request was throttled. Expected available in \(wait) second\(wait == 1 ? "" : "s").")
        error.headers.append(("Retry-After", String(wait)))
        return error
    }
}
