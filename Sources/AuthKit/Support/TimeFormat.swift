#if canImport(Glibc)
import Glibc
#endif

/// The two timestamp formats clients see.
enum TimeFormat {
    /// DRF's DateTimeField output: `2026-11-25T13:21:20.672184Z`; the fraction is omitted when
    /// the microseconds are zero, as Python's isoformat() does.
    /// SQL that renders the timestamptz `column` as DRF renders a DateTimeField in UTC
    /// (`2026-12-06T16:01:58.033396Z`); NULL stays NULL.
    static func sqlMicros(_ column: String) -> String {
        "to_char(\(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
    }

    static func iso8601(_ time: UnixTime) -> String {
        let seconds = time.seconds
        let micros = Int(time.microseconds - seconds * 1_000_000)
        var text = dateTime(seconds, dateSeparator: "-", middle: "T")
        if micros != 0 { text += "." + pad(micros, 6) }
        return text + "Z"
    }

    /// RFC 1123 date as Django writes cookie expiry: `Wed, 25 Nov 2026 13:21:20 GMT`.
    static func httpDate(_ seconds: Int64) -> String {
        let parts = utc(seconds)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return "\(days[Int(parts.tm_wday)]), \(pad(Int(parts.tm_mday), 2)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(pad(Int(parts.tm_hour), 2)):\(pad(Int(parts.tm_min), 2)):\(pad(Int(parts.tm_sec), 2)) GMT"
    }

    /// RFC 2822 date for email headers: `Wed, 25 Nov 2026 13:16:34 -0000` (as Python's email.utils).
    static func rfc2822(_ seconds: Int64) -> String {
        String(httpDate(seconds).dropLast(4)) + " -0000"
    }

    /// Python's `str()` of a naive datetime without microseconds: `2026-11-25 13:21:20` (UTC).
    static func pythonDateTime(_ seconds: Int64) -> String {
        dateTime(seconds, dateSeparator: "-", middle: " ")
    }

    private static func dateTime(_ seconds: Int64, dateSeparator: String, middle: String) -> String {
        let p = utc(seconds)
        return "\(pad(Int(p.tm_year) + 1900, 4))\(dateSeparator)\(pad(Int(p.tm_mon) + 1, 2))\(dateSeparator)\(pad(Int(p.tm_mday), 2))"
            + "\(middle)\(pad(Int(p.tm_hour), 2)):\(pad(Int(p.tm_min), 2)):\(pad(Int(p.tm_sec), 2))"
    }

    private static func utc(_ seconds: Int64) -> tm {
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        return parts
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let s = String(value)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}
