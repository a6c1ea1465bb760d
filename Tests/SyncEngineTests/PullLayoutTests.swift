import DriveSyncCore
import SyncEngine
import Testing

struct PullLayoutTests {
    static let root = "ROOT"
    // Drive's types, as the Drive remote maps them to kinds.
    static let folderType = "application/vnd.google-apps.folder"
    static let shortcutType = "application/vnd.google-apps.shortcut"
    static let docx = ExportFormat(fileExtension: "docx", mimeType: ExportFormat.known["docx"]!)

    func node(
        _ id: String,
        _ name: String,
        in parent: String = root,
        type: String = "text/plain",
        created: Int64 = 0,
        target: String? = nil,
        canDownload: Bool = true
    ) -> RemoteNode {
        RemoteNode(
            id: id,
            name: name,
            parentIDs: [parent],
            kind: type == Self.folderType
                ? .folder
                : type == Self.shortcutType
                    ? .shortcut : type.hasPrefix("application/vnd.google-apps.") ? .document : .file,
            mimeType: type,
            size: 1,
            md5: "m-\(id)",
            created: created,
            shortcutTarget: target,
            canDownload: canDownload
        )
    }

    func layout(
        _ nodes: [RemoteNode],
        shortcuts: PullLayout.Shortcuts = .follow
    ) -> (paths: [String], notes: [PullLayout.Note], targets: [PullTarget]) {
        let result = PullLayout.build(
            rootID: Self.root,
            nodes: Dictionary(uniqueKeysWithValues: nodes.map { ($0.id, $0) }),
            options: .init(shortcuts: shortcuts, exports: ["application/vnd.google-apps.document": Self.docx])
        )
        return (result.targets.map(\.path.description), result.notes, result.targets)
    }

    @Test func hostileNamesAreMadeSafeAndStayInside() {
        let long = String(repeating: "é", count: 150) + ".txt"  // 304 bytes
        let (paths, notes, _) = layout([
            node("1", "../x"), node("2", "a/b"), node("3", "nul\u{0}byte"), node("4", "."), node("5", ".."),
            node("6", long), node("7", ""),
            node("8", ".drivesync", type: Self.folderType),
        ])
        #expect(paths.contains("..\u{FF0F}x") && paths.contains("a\u{FF0F}b") && paths.contains("nul\u{2400}byte"))
        #expect(
            paths.contains("\u{FF0E}") && paths.contains("\u{FF0E}\u{FF0E}") && paths.contains("_")
                && paths.contains(".drivesync (Drive)")
        )
        let cut = paths.first { $0.hasPrefix("é") }!
        #expect(cut.utf8.count <= 255 && cut.hasSuffix(".txt") && cut.contains("~"))
        #expect(notes.count == 8, "every renamed item is reported")
        #expect(PullLayout.safeName(long, atRoot: false).0 == cut, "the same name every time")
    }

    @Test func duplicatesKeepTheOldestNameAndTheOthersTheirID() {
        let (paths, notes, targets) = layout([
            node("new", "report.pdf", created: 20), node("old", "report.pdf", created: 10),
            node("mid", "report.pdf", created: 15),
        ])
        #expect(paths == ["report (mid).pdf", "report (new).pdf", "report.pdf"])
        #expect(targets.first { $0.path.description == "report.pdf" }?.sourceID == "old")
        #expect(notes.count == 2)
    }

    @Test func documentsAreExportedWithTheirExtensionOrSkipped() {
        let (paths, notes, targets) = layout([
            node("d", "Plan", type: "application/vnd.google-apps.document"),
            node("e", "Notes.docx", type: "application/vnd.google-apps.document"),
            node("f", "Survey", type: "application/vnd.google-apps.form"),
            node("v", "view-only.bin", canDownload: false),
        ])
        #expect(paths == ["Notes.docx", "Plan.docx"])
        #expect(targets.allSatisfy { $0.content == .export(mimeType: Self.docx.mimeType) && $0.md5 == nil })
        #expect(notes.map(\.description).contains { $0.contains("Survey") && $0.contains("--export-formats") })
        #expect(notes.map(\.description).contains { $0.contains("view-only.bin") })
    }

    @Test func shortcutsAreFollowedOrSkippedAndNeverLoop() {
        let nodes = [
            node("f", "folder", type: Self.folderType), node("x", "x.txt", in: "f"),
            node("s1", "link to x", target: "x", ), node("s2", "loop", in: "f", target: "f"),
            node("elsewhere", "shared", in: "OTHER", type: Self.folderType), node("y", "y.txt", in: "elsewhere"),
            node("s3", "shared link", type: Self.shortcutType, target: "elsewhere"),
            node("s4", "dangling", type: Self.shortcutType, target: "gone"),
        ].map { node -> RemoteNode in
            var node = node
            if node.shortcutTarget != nil { (node.kind, node.mimeType) = (.shortcut, Self.shortcutType) }
            return node
        }
        let followed = layout(nodes)
        #expect(followed.paths == ["folder", "folder/x.txt", "link to x", "shared link", "shared link/y.txt"])
        #expect(followed.targets.first { $0.path.description == "link to x" }?.sourceID == "x")
        #expect(
            followed.notes.map(\.description).contains { $0.contains("loop") }
                && followed.notes.map(\.description).contains { $0.contains("dangling") }
        )
        #expect(layout(nodes, shortcuts: .skip).paths == ["folder", "folder/x.txt"])
    }

    @Test func exportPreferencesPickTheFirstAvailable() throws {
        let preferences = try ExportFormat.preferences(parsing: "pptx, .PDF,odt")
        let chosen = ExportFormat.choose(
            preferences,
            available: [
                "application/vnd.google-apps.document": ["application/pdf", ExportFormat.known["odt"]!],
                "application/vnd.google-apps.drawing": ["image/png"],
            ]
        )
        #expect(chosen["application/vnd.google-apps.document"]?.fileExtension == "pdf")
        #expect(chosen["application/vnd.google-apps.drawing"] == nil)
        #expect(throws: ExportFormat.Unknown.self) { try ExportFormat.preferences(parsing: "docx,doc") }
    }
}
