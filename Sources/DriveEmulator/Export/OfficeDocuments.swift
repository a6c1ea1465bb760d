import NIOCore

/// The smallest valid OOXML, OpenDocument and EPUB packages holding a document's text.
///
/// The package parts are built in code, not read from template files: each part takes the document's
/// text, and a resource bundle would have to be found at run time by every process embedding the emulator.
enum OfficeDocuments {
    private static let xmlHeader = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#

    private static func contentTypes(_ overrides: [(String, String)]) -> String {
        xmlHeader + #"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">"#
            + #"<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>"#
            + #"<Default Extension="xml" ContentType="application/xml"/>"#
            + overrides.map { #"<Override PartName="\#($0.0)" ContentType="\#($0.1)"/>"# }.joined() + "</Types>"
    }

    private static func relationships(_ entries: [(String, String)]) -> String {
        xmlHeader + #"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#
            + entries.enumerated().map {
                #"<Relationship Id="rId\#($0.offset + 1)" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/\#($0.element.0)" Target="\#($0.element.1)"/>"#
            }.joined()
            + "</Relationships>"
    }

    static func docx(paragraphs: [String]) -> ByteBuffer {
        var zip = ZipArchive()
        zip.add(
            "[Content_Types].xml",
            contentTypes([
                (
                    "/word/document.xml",
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
                )
            ])
        )
        zip.add("_rels/.rels", relationships([("officeDocument", "word/document.xml")]))
        let body = paragraphs.map {
            #"<w:p><w:r><w:t xml:space="preserve">\#(ExportFormats.escapeHTML($0))</w:t></w:r></w:p>"#
        }.joined()
        zip.add(
            "word/document.xml",
            xmlHeader
                + #"<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>\#(body)</w:body></w:document>"#
        )
        return zip.finish()
    }

    static func xlsx(rows: [[String]]) -> ByteBuffer {
        var zip = ZipArchive()
        zip.add(
            "[Content_Types].xml",
            contentTypes([
                ("/xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
                (
                    "/xl/worksheets/sheet1.xml",
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
                ),
            ])
        )
        zip.add("_rels/.rels", relationships([("officeDocument", "xl/workbook.xml")]))
        zip.add("xl/_rels/workbook.xml.rels", relationships([("worksheet", "worksheets/sheet1.xml")]))
        zip.add(
            "xl/workbook.xml",
            xmlHeader
                + #"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#
        )
        let data = rows.enumerated().map { rowIndex, row in
            #"<row r="\#(rowIndex + 1)">"#
                + row.enumerated().map { column, value in
                    #"<c r="\#(columnName(column))\#(rowIndex + 1)" t="inlineStr"><is><t xml:space="preserve">\#(ExportFormats.escapeHTML(value))</t></is></c>"#
                }.joined() + "</row>"
        }.joined()
        zip.add(
            "xl/worksheets/sheet1.xml",
            xmlHeader
                + #"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>\#(data)</sheetData></worksheet>"#
        )
        return zip.finish()
    }

    /// A presentation: one slide per `---`-separated part, on the master, layout and theme that
    /// PresentationML requires.
    static func pptx(slides: [[String]]) -> ByteBuffer {
        let presentationML = "http://schemas.openxmlformats.org/presentationml/2006/main"
        let drawingML = "http://schemas.openxmlformats.org/drawingml/2006/main"
        let relationshipsNS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
        let namespaces = #"xmlns:a="\#(drawingML)" xmlns:r="\#(relationshipsNS)" xmlns:p="\#(presentationML)""#
        let emptyTree =
            #"<p:cSld><p:spTree><p:nvGrpSpPr><p:cNvPr id="1" name=""/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr><p:grpSpPr/></p:spTree></p:cSld>"#
        let slideType = "application/vnd.openxmlformats-officedocument.presentationml.slide+xml"
        var zip = ZipArchive()
        zip.add(
            "[Content_Types].xml",
            contentTypes(
                [
                    (
                        "/ppt/presentation.xml",
                        "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"
                    ),
                    (
                        "/ppt/slideMasters/slideMaster1.xml",
                        "application/vnd.openxmlformats-officedocument.presentationml.slideMaster+xml"
                    ),
                    (
                        "/ppt/slideLayouts/slideLayout1.xml",
                        "application/vnd.openxmlformats-officedocument.presentationml.slideLayout+xml"
                    ),
                    ("/ppt/theme/theme1.xml", "application/vnd.openxmlformats-officedocument.theme+xml"),
                ] + slides.indices.map { ("/ppt/slides/slide\($0 + 1).xml", slideType) }
            )
        )
        zip.add("_rels/.rels", relationships([("officeDocument", "ppt/presentation.xml")]))
        zip.add(
            "ppt/_rels/presentation.xml.rels",
            relationships(
                [("slideMaster", "slideMasters/slideMaster1.xml"), ("theme", "theme/theme1.xml")]
                    + slides.indices.map { ("slide", "slides/slide\($0 + 1).xml") }
            )
        )
        let slideIDs = slides.indices.map { #"<p:sldId id="\#(256 + $0)" r:id="rId\#(3 + $0)"/>"# }.joined()
        zip.add(
            "ppt/presentation.xml",
            xmlHeader
                + #"<p:presentation \#(namespaces)><p:sldMasterIdLst><p:sldMasterId id="2147483648" r:id="rId1"/></p:sldMasterIdLst><p:sldIdLst>\#(slideIDs)</p:sldIdLst><p:sldSz cx="9144000" cy="6858000"/><p:notesSz cx="6858000" cy="9144000"/></p:presentation>"#
        )
        zip.add(
            "ppt/slideMasters/_rels/slideMaster1.xml.rels",
            relationships([("slideLayout", "../slideLayouts/slideLayout1.xml"), ("theme", "../theme/theme1.xml")])
        )
        zip.add(
            "ppt/slideMasters/slideMaster1.xml",
            xmlHeader
                + #"<p:sldMaster \#(namespaces)>\#(emptyTree)<p:clrMap bg1="lt1" tx1="dk1" bg2="lt2" tx2="dk2" accent1="accent1" accent2="accent2" accent3="accent3" accent4="accent4" accent5="accent5" accent6="accent6" hlink="hlink" folHlink="folHlink"/><p:sldLayoutIdLst><p:sldLayoutId id="2147483649" r:id="rId1"/></p:sldLayoutIdLst></p:sldMaster>"#
        )
        zip.add(
            "ppt/slideLayouts/_rels/slideLayout1.xml.rels",
            relationships([("slideMaster", "../slideMasters/slideMaster1.xml")])
        )
        zip.add(
            "ppt/slideLayouts/slideLayout1.xml",
            xmlHeader + #"<p:sldLayout \#(namespaces) type="blank">\#(emptyTree)</p:sldLayout>"#
        )
        let colors = [
            "dk1": "000000", "lt1": "FFFFFF", "dk2": "1F497D", "lt2": "EEECE1", "accent1": "4F81BD",
            "accent2": "C0504D", "accent3": "9BBB59", "accent4": "8064A2", "accent5": "4BACC6", "accent6": "F79646",
            "hlink": "0000FF", "folHlink": "800080",
        ]
        let scheme = [
            "dk1", "lt1", "dk2", "lt2", "accent1", "accent2", "accent3", "accent4", "accent5", "accent6", "hlink",
            "folHlink",
        ].map { #"<a:\#($0)><a:srgbClr val="\#(colors[$0]!)"/></a:\#($0)>"# }.joined()
        let fill = #"<a:solidFill><a:schemeClr val="phClr"/></a:solidFill>"#
        let line = #"<a:ln w="9525">\#(fill)</a:ln>"#
        zip.add(
            "ppt/theme/theme1.xml",
            xmlHeader
                + #"<a:theme xmlns:a="\#(drawingML)" name="DriveSync"><a:themeElements><a:clrScheme name="DriveSync">\#(scheme)</a:clrScheme><a:fontScheme name="DriveSync"><a:majorFont><a:latin typeface="Arial"/><a:ea typeface=""/><a:cs typeface=""/></a:majorFont><a:minorFont><a:latin typeface="Arial"/><a:ea typeface=""/><a:cs typeface=""/></a:minorFont></a:fontScheme><a:fmtScheme name="DriveSync"><a:fillStyleLst>\#(fill)\#(fill)\#(fill)</a:fillStyleLst><a:lnStyleLst>\#(line)\#(line)\#(line)</a:lnStyleLst><a:effectStyleLst><a:effectStyle><a:effectLst/></a:effectStyle><a:effectStyle><a:effectLst/></a:effectStyle><a:effectStyle><a:effectLst/></a:effectStyle></a:effectStyleLst><a:bgFillStyleLst>\#(fill)\#(fill)\#(fill)</a:bgFillStyleLst></a:fmtScheme></a:themeElements></a:theme>"#
        )
        for (index, lines) in slides.enumerated() {
            let paragraphs = lines.map {
                #"<a:p><a:r><a:rPr lang="en-US"/><a:t>\#(ExportFormats.escapeHTML($0))</a:t></a:r></a:p>"#
            }.joined()
            let textBox =
                #"<p:sp><p:nvSpPr><p:cNvPr id="2" name="Text"/><p:cNvSpPr txBox="1"/><p:nvPr/></p:nvSpPr><p:spPr><a:xfrm><a:off x="457200" y="457200"/><a:ext cx="8229600" cy="5943600"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></p:spPr><p:txBody><a:bodyPr/><a:lstStyle/>\#(paragraphs.isEmpty ? "<a:p/>" : paragraphs)</p:txBody></p:sp>"#
            zip.add(
                "ppt/slides/_rels/slide\(index + 1).xml.rels",
                relationships([("slideLayout", "../slideLayouts/slideLayout1.xml")])
            )
            zip.add(
                "ppt/slides/slide\(index + 1).xml",
                xmlHeader
                    + #"<p:sld \#(namespaces)><p:cSld><p:spTree><p:nvGrpSpPr><p:cNvPr id="1" name=""/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr><p:grpSpPr/>\#(textBox)</p:spTree></p:cSld></p:sld>"#
            )
        }
        return zip.finish()
    }

    /// A, B, ..., Z, AA, AB, ...
    static func columnName(_ index: Int) -> String {
        var name = ""
        var value = index + 1
        while value > 0 {
            let remainder = (value - 1) % 26
            name = String(UnicodeScalar(UInt8(65 + remainder))) + name
            value = (value - 1) / 26
        }
        return name
    }

    /// An OpenDocument package: `mimetype` first and stored, the manifest, content and styles.
    static func openDocument(kind: String, mimeType: String, body: String) -> ByteBuffer {
        let namespaces =
            #"xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0""#
        var zip = ZipArchive()
        zip.add("mimetype", mimeType)
        zip.add(
            "META-INF/manifest.xml",
            xmlHeader
                + #"<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:version="1.2" manifest:media-type="\#(mimeType)"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/><manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/></manifest:manifest>"#
        )
        zip.add(
            "content.xml",
            xmlHeader
                + #"<office:document-content \#(namespaces) office:version="1.2"><office:body><office:\#(kind)>\#(body)</office:\#(kind)></office:body></office:document-content>"#
        )
        zip.add(
            "styles.xml",
            xmlHeader
                + #"<office:document-styles \#(namespaces) office:version="1.2"><office:automatic-styles><style:page-layout style:name="PM1"><style:page-layout-properties fo:page-width="28cm" fo:page-height="21cm"/></style:page-layout></office:automatic-styles><office:master-styles><style:master-page style:name="Default" style:page-layout-name="PM1"/></office:master-styles></office:document-styles>"#
        )
        return zip.finish()
    }

    /// An EPUB 3 book with one chapter.
    static func epub(title: String, html: String) -> ByteBuffer {
        let escapedTitle = ExportFormats.escapeHTML(title)
        var zip = ZipArchive()
        zip.add("mimetype", "application/epub+zip")
        zip.add(
            "META-INF/container.xml",
            #"<?xml version="1.0" encoding="UTF-8"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles></container>"#
        )
        zip.add(
            "OEBPS/content.opf",
            #"<?xml version="1.0" encoding="UTF-8"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:identifier id="id">urn:drivesync:\#(escapedTitle)</dc:identifier><dc:title>\#(escapedTitle)</dc:title><dc:language>en</dc:language><meta property="dcterms:modified">2000-01-01T00:00:00Z</meta></metadata><manifest><item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/><item id="text" href="text.xhtml" media-type="application/xhtml+xml"/></manifest><spine><itemref idref="text"/></spine></package>"#
        )
        zip.add(
            "OEBPS/nav.xhtml",
            #"<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE html><html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops"><head><title>\#(escapedTitle)</title></head><body><nav epub:type="toc"><ol><li><a href="text.xhtml">\#(escapedTitle)</a></li></ol></nav></body></html>"#
        )
        zip.add("OEBPS/text.xhtml", html)
        return zip.finish()
    }
}
