import DriveSyncCore
import Testing

struct DriveTimestampTests {
    @Test func formatsMillisecondsWithZulu() {
        #expect(DriveTimestamp.format(milliseconds: 0) == "1970-01-01T00:00:00.000Z")
        #expect(DriveTimestamp.format(milliseconds: 1_343_364_849_686) == "2012-07-27T04:54:09.686Z")
        #expect(DriveTimestamp.format(milliseconds: -1) == "1969-12-31T23:59:59.999Z")
    }

    @Test(arguments: [
        ("2012-07-27T04:54:09.686Z", Int64(1_343_364_849_686)),
        ("2024-05-01T12:34:56.789123456Z", Int64(1_714_566_896_789)),
        ("2024-05-01T12:34:56Z", Int64(1_714_566_896_000)),
        ("2012-06-04T12:00:00-08:00", Int64(1_338_840_000_000)),
        ("2024-05-01", Int64(1_714_521_600_000)),
        ("2000-02-29T00:00:00.5Z", Int64(951_782_400_500)),
    ])
    func parsesRFC3339(text: String, milliseconds: Int64) {
        #expect(DriveTimestamp.parseMilliseconds(text) == milliseconds)
    }

    @Test(arguments: [
        "", "2024-13-01T00:00:00Z", "2024-05-01T25:00:00Z", "yesterday", "2024-05-01T12:34:56.Z",
        "2024-05-01T12:34:56Zjunk",
    ])
    func rejectsMalformedTimes(text: String) {
        #expect(DriveTimestamp.parseMilliseconds(text) == nil)
    }

    @Test func roundTripsAcrossCenturies() {
        for milliseconds: Int64 in [-62_135_596_800_000, 253_402_300_799_999, 951_782_400_000, 1_709_164_800_123] {
            #expect(DriveTimestamp.parseMilliseconds(DriveTimestamp.format(milliseconds: milliseconds)) == milliseconds)
        }
    }
}

struct QueryEncodingTests {
    @Test func encodesPlusAndSpaces() {
        #expect(QueryEncoding.percentEncode("a+b c/d") == "a%2Bb%20c%2Fd")
        #expect(QueryEncoding.percentEncode("ünï") == "%C3%BCn%C3%AF")
    }

    @Test func decodesBothSpaceForms() {
        let pairs = QueryEncoding.parseQuery("q=%27root%27+in+parents&fields=files(id,%20name)&x")
        #expect(pairs.map(\.0) == ["q", "fields", "x"])
        #expect(pairs[0].1 == "'root' in parents")
        #expect(pairs[1].1 == "files(id, name)")
    }

    @Test func escapesQueryLiteralsBackslashFirst() {
        #expect(QueryEncoding.driveQueryLiteral(#"it's "x" \ y"#) == #"'it\'s "x" \\ y'"#)
        #expect(QueryEncoding.driveQueryLiteral(#"a\b"#) == #"'a\\b'"#)
    }

    @Test func percentEncodingRoundTrips() {
        let original = "name = 'it\\'s' and x+y & 100%"
        #expect(QueryEncoding.percentDecode(QueryEncoding.percentEncode(original), plusAsSpace: true) == original)
    }
}
