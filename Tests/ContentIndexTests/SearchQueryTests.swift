import ContentIndex
import Foundation
import Testing

struct SearchQueryTests {
    typealias Clause = SearchQuery.Clause

    func clause(_ terms: SearchQuery.Term..., excluded: Bool = false, inName: Bool = false) -> Clause {
        Clause(alternatives: terms, excluded: excluded, inName: inName)
    }

    @Test func wordsPhrasesExclusionsAlternativesAndPrefixes() throws {
        let query = try SearchQuery(parsing: #"Autumn "Lead  Sheet" -draft jazz OR swing impro* Café"#)
        #expect(
            query.clauses == [
                clause(.word("autumn", prefix: false)),
                clause(.phrase(["lead", "sheet"])),
                clause(.word("draft", prefix: false), excluded: true),
                clause(.word("jazz", prefix: false), .word("swing", prefix: false)),
                clause(.word("impro", prefix: true)),
                clause(.word("café", prefix: false)),
            ]
        )
        #expect(query.filters.isEmpty)
    }

    @Test func punctuationMakesAPhraseAndNameScopesTerms() throws {
        let query = try SearchQuery(parsing: #"e-mail name:leaves name:"lead sheet""#)
        #expect(
            query.clauses == [
                clause(.phrase(["e", "mail"])),
                clause(.word("leaves", prefix: false), inName: true),
                clause(.phrase(["lead", "sheet"]), inName: true),
            ]
        )
    }

    @Test func filters() throws {
        let query = try SearchQuery(
            parsing: "type:PDF folder:/Charts/Jazz/ account:work modified:>2026-01-01 key:Gm modified:2026-03-04"
        )
        let day: (Int, Int, Int) -> Date = { year, month, day in
            DateComponents(
                calendar: Calendar(identifier: .gregorian),
                timeZone: .gmt,
                year: year,
                month: month,
                day: day
            )
            .date!
        }
        #expect(
            query.filters == [
                .type("pdf"), .folder("Charts/Jazz"), .account("work"),
                .modified(from: day(2026, 1, 2), before: nil), .field("key", "Gm"),
                .modified(from: day(2026, 3, 4), before: day(2026, 3, 5)),
            ]
        )
        #expect(!query.hasText)
        #expect(
            try SearchQuery(parsing: "modified:<=2026-01-31").filters == [.modified(from: nil, before: day(2026, 2, 1))]
        )
    }

    @Test func mistakesSayHowToWriteIt() {
        for text in [
            #""never closed"#, "OR jazz", "jazz OR", "modified:yesterday", "modified:=>2026-01-01", "key:", "-type:pdf",
        ] {
            #expect(throws: SearchQueryError.self, "\(text)") { try SearchQuery(parsing: text) }
        }
    }

    @Test func randomQueriesParseOrFailCleanly() {
        var random = SystemRandomNumberGenerator()
        let pieces = [
            "a", "é", "日本", " ", "\"", "-", "*", ":", "OR", "name:", "type:", "modified:>", "2026-01-01", "x_y:",
        ]
        for _ in 0..<2000 {
            let text = (0..<Int.random(in: 0...12, using: &random)).map { _ in pieces.randomElement(using: &random)! }
                .joined()
            _ = try? SearchQuery(parsing: text)
        }
    }
}
