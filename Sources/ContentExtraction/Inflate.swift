/// Raw DEFLATE (RFC 1951), the compression of ZIP entries, decoded in one pass with its output handed on in
/// pieces: at most `limit` bytes come out, so a stream that expands without end is refused, not followed.
enum Inflate {
    /// Decodes `input`, calling `emit` with consecutive pieces of the output; throws `corrupt` for a stream
    /// RFC 1951 does not allow and `tooLarge` past `limit` bytes.
    static func decode(
        _ input: [UInt8],
        limit: Int,
        emit: (ArraySlice<UInt8>) throws(ExtractionFailure) -> Void
    ) throws(ExtractionFailure) {
        var state = State(input: input, limit: limit)
        var last = false
        while !last {
            last = try state.bits(1) == 1
            switch try state.bits(2) {
            case 0: try state.stored()
            case 1: try state.codes(literal: fixedLiteral, distance: fixedDistance, emit: emit)
            case 2:
                let (literal, distance) = try state.dynamicTables()
                try state.codes(literal: literal, distance: distance, emit: emit)
            default: throw corrupt("block type 3")
            }
            try state.flush(keepingWindow: !last, emit: emit)
        }
    }

    static func corrupt(_ detail: String) -> ExtractionFailure {
        ExtractionFailure(.corrupt, "compressed data is damaged (\(detail))")
    }

    /// Canonical Huffman code as RFC 1951 builds it: how many codes of each length, symbols in code order.
    struct Huffman {
        var counts = [Int](repeating: 0, count: 16)
        var symbols: [Int]

        init(lengths: [Int]) throws(ExtractionFailure) {
            for length in lengths { counts[length] += 1 }
            var left = 1
            for length in 1..<16 {
                left = left << 1 - counts[length]
                if left < 0 { throw Inflate.corrupt("over-subscribed code") }
            }
            var offsets = [Int](repeating: 0, count: 16)
            for length in 1..<15 { offsets[length + 1] = offsets[length] + counts[length] }
            symbols = [Int](repeating: 0, count: lengths.count)
            for (symbol, length) in lengths.enumerated() where length != 0 {
                symbols[offsets[length]] = symbol
                offsets[length] += 1
            }
        }
    }

    private static let fixedLiteral = try! Huffman(
        lengths: [Int](repeating: 8, count: 144) + [Int](repeating: 9, count: 112) + [Int](repeating: 7, count: 24)
            + [Int](repeating: 8, count: 8)
    )
    private static let fixedDistance = try! Huffman(lengths: [Int](repeating: 5, count: 30))
    private static let lengthBase = [
        3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227,
        258,
    ]
    private static let lengthExtra = [
        0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
    ]
    private static let distanceBase = [
        1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097,
        6145, 8193, 12289, 16385, 24577,
    ]
    private static let distanceExtra = [
        0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
    ]
    private static let codeLengthOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    private struct State {
        let input: [UInt8]
        let limit: Int
        var position = 0
        var bitBuffer = 0
        var bitCount = 0
        /// Output not yet handed on, after the last 32 KiB already handed on (the window back-references
        /// reach into).
        var output: [UInt8] = []
        var windowStart = 0
        var produced = 0

        init(input: [UInt8], limit: Int) {
            self.input = input
            self.limit = limit
            output.reserveCapacity(1 << 16)
        }

        mutating func bits(_ count: Int) throws(ExtractionFailure) -> Int {
            while bitCount < count {
                guard position < input.count else { throw Inflate.corrupt("ends early") }
                bitBuffer |= Int(input[position]) << bitCount
                position += 1
                bitCount += 8
            }
            let value = bitBuffer & (1 << count - 1)
            bitBuffer >>= count
            bitCount -= count
            return value
        }

        mutating func decode(_ code: Huffman) throws(ExtractionFailure) -> Int {
            var value = 0
            var first = 0
            var index = 0
            for length in 1..<16 {
                value |= try bits(1)
                let count = code.counts[length]
                if value - count < first { return code.symbols[index + value - first] }
                index += count
                first = (first + count) << 1
                value <<= 1
            }
            throw Inflate.corrupt("no such code")
        }

        mutating func stored() throws(ExtractionFailure) {
            bitBuffer = 0
            bitCount = 0
            guard position + 4 <= input.count else { throw Inflate.corrupt("ends early") }
            let length = Int(input[position]) | Int(input[position + 1]) << 8
            let complement = Int(input[position + 2]) | Int(input[position + 3]) << 8
            guard length == ~complement & 0xFFFF else { throw Inflate.corrupt("stored length check") }
            position += 4
            guard position + length <= input.count else { throw Inflate.corrupt("ends early") }
            try reserve(length)
            output.append(contentsOf: input[position..<(position + length)])
            position += length
        }

        mutating func dynamicTables() throws(ExtractionFailure) -> (Huffman, Huffman) {
            let literals = try bits(5) + 257
            let distances = try bits(5) + 1
            let codeLengthCount = try bits(4) + 4
            guard literals <= 286, distances <= 30 else { throw Inflate.corrupt("too many codes") }
            var codeLengths = [Int](repeating: 0, count: 19)
            for index in 0..<codeLengthCount { codeLengths[codeLengthOrder[index]] = try bits(3) }
            let codeLengthCode = try Huffman(lengths: codeLengths)
            var lengths: [Int] = []
            while lengths.count < literals + distances {
                let symbol = try decode(codeLengthCode)
                switch symbol {
                case 0..<16: lengths.append(symbol)
                case 16:
                    guard let previous = lengths.last else { throw Inflate.corrupt("repeat with nothing before") }
                    lengths += [Int](repeating: previous, count: 3 + (try bits(2)))
                case 17: lengths += [Int](repeating: 0, count: 3 + (try bits(3)))
                default: lengths += [Int](repeating: 0, count: 11 + (try bits(7)))
                }
            }
            guard lengths.count == literals + distances, lengths[256] != 0 else {
                throw Inflate.corrupt("bad code lengths")
            }
            return (
                try Huffman(lengths: Array(lengths[..<literals])), try Huffman(lengths: Array(lengths[literals...]))
            )
        }

        mutating func codes(
            literal: Huffman,
            distance: Huffman,
            emit: (ArraySlice<UInt8>) throws(ExtractionFailure) -> Void
        ) throws(ExtractionFailure) {
            while true {
                // A block may expand a lot; its output goes on in pieces too.
                if output.count > 1 << 18 { try flush(keepingWindow: true, emit: emit) }
                let symbol = try decode(literal)
                if symbol < 256 {
                    try reserve(1)
                    output.append(UInt8(symbol))
                } else if symbol == 256 {
                    return
                } else {
                    let index = symbol - 257
                    guard index < lengthBase.count else { throw Inflate.corrupt("length code \(symbol)") }
                    let length = lengthBase[index] + (try bits(lengthExtra[index]))
                    let distanceSymbol = try decode(distance)
                    guard distanceSymbol < 30 else { throw Inflate.corrupt("distance code \(distanceSymbol)") }
                    let back = distanceBase[distanceSymbol] + (try bits(distanceExtra[distanceSymbol]))
                    guard back <= output.count else { throw Inflate.corrupt("distance too far back") }
                    try reserve(length)
                    let start = output.count - back
                    for offset in 0..<length { output.append(output[start + offset]) }
                }
            }
        }

        mutating func reserve(_ count: Int) throws(ExtractionFailure) {
            produced += count
            if produced > limit {
                throw ExtractionFailure(.tooLarge, "expands to more than \(limit) bytes")
            }
        }

        /// Hands on what is new, keeping the last 32 KiB for back-references when more blocks follow.
        mutating func flush(
            keepingWindow: Bool,
            emit: (ArraySlice<UInt8>) throws(ExtractionFailure) -> Void
        ) throws(ExtractionFailure) {
            if windowStart < output.count { try emit(output[windowStart...]) }
            let keep = keepingWindow ? min(output.count, 1 << 15) : 0
            output.removeFirst(output.count - keep)
            windowStart = output.count
        }
    }
}
