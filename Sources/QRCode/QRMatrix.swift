/// The modules of one QR symbol, row by row from the top left; `true` is dark.
public struct QRMatrix: Equatable, Sendable {
    /// 1 to 40; the symbol is `17 + 4 × version` modules wide.
    public let version: Int
    /// Modules per side, without quiet zone.
    public let size: Int
    let modules: [Bool]

    init(version: Int, size: Int, modules: [Bool]) {
        precondition(modules.count == size * size)
        self.version = version
        self.size = size
        self.modules = modules
    }

    public subscript(x: Int, y: Int) -> Bool {
        precondition((0..<size).contains(x) && (0..<size).contains(y))
        return modules[y * size + x]
    }

    /// An SVG document of the symbol: a white square of `size + 2 × quietZone` units (the standard
    /// asks for a 4-module quiet zone, which scanners need to find the symbol) and one black path
    /// of horizontal runs, `M{x},{y}h{n}v1h-{n}z` each, about 6 KB for an otpauth:// URI.
    /// `moduleSize` only sets the `width` and `height` in CSS pixels: the picture scales by its
    /// viewBox, and `crispEdges` keeps scaled module edges sharp. Nothing is scripted or linked, and
    /// the same matrix always gives the same bytes (the text can be compared or hashed).
    public func svg(moduleSize: Int = 4, quietZone: Int = 4) -> String {
        precondition((1...100).contains(moduleSize) && (0...100).contains(quietZone))
        let side = size + 2 * quietZone, pixels = side * moduleSize
        var path = ""
        path.reserveCapacity(size * size * 3)
        for y in 0..<size {
            var x = 0
            while x < size {
                guard self[x, y] else { x += 1; continue }
                var end = x + 1
                while end < size && self[end, y] { end += 1 }
                path += "M\(x + quietZone),\(y + quietZone)h\(end - x)v1h-\(end - x)z"
                x = end
            }
        }
        return #"<svg xmlns="http://www.w3.org/2000/svg" width="\#(pixels)" height="\#(pixels)" "#
            + #"viewBox="0 0 \#(side) \#(side)" shape-rendering="crispEdges">"#
            + #"<rect width="\#(side)" height="\#(side)" fill="white"/><path fill="black" d="\#(path)"/></svg>"#
    }
}
