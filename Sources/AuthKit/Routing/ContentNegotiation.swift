/// DRF's renderer selection reduced to what this service renders: JSON.
///
/// `*/*`, `application/*`, `application/json` or no Accept header select JSON. `text/html`
/// (DRF's browsable API, deliberately not replicated) is also answered with JSON. Anything
/// else cannot be satisfied: 406.
enum ContentNegotiation {
    static func acceptsJSON(_ header: String?) -> Bool {
        guard let header else { return true }
        // What JSON clients send, answered without parsing (this runs on every request).
        if header == "application/json" || header == "*/*" { return true }
        guard !header.trimmingWhitespace().isEmpty else { return true }
        for range in header.split(separator: ",") {
            guard let media = MediaType(String(range)) else { continue }
            if let q = media.parameter("q"), let value = Double(q), value <= 0 { continue }
            if media.matches("application", "json") || media.matches("text", "html") { return true }
        }
        return false
    }
}
