#!/usr/bin/env python3
"""Writes the extraction tests' fixtures: real, deflated documents of each ZIP-based format and RTF, and
hostile ones. Run from this folder; the outputs are committed so the tests need no Python."""
import time, zipfile, zlib

# Fixed entry times, so rerunning writes the same bytes.
time.time = lambda: 1767225600.0

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
A = 'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"'


def write(name, parts, method=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(name, "w", method) as archive:
        for path, text in parts:
            archive.writestr(path, text)


docx = [
    ("[Content_Types].xml", '<?xml version="1.0"?><Types/>'),
    ("word/document.xml",
     f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document {W}><w:body>'
     '<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr>'
     '<w:r><w:t>Autumn </w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>Leaves</w:t></w:r></w:p>'
     '<w:p><w:r><w:t xml:space="preserve">Key: G</w:t></w:r><w:r><w:t>m</w:t></w:r><w:r><w:tab/><w:t>caf&#233; &amp; cr&#xE8;me</w:t></w:r></w:p>'
     '<w:p><w:r><w:instrText>HYPERLINK "x"</w:instrText><w:delText>gone</w:delText><w:t>Ünïcödé 日本語</w:t></w:r></w:p>'
     '<w:tbl><w:tr><w:tc><w:p><w:r><w:t>cell one</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>cell two</w:t></w:r></w:p></w:tc></w:tr></w:tbl>'
     '</w:body></w:document>'),
    ("word/footnotes.xml", f'<w:footnotes {W}><w:footnote><w:p><w:r><w:t>A footnote</w:t></w:r></w:p></w:footnote></w:footnotes>'),
]
write("sample.docx", docx)

xlsx = [
    ("xl/workbook.xml", "<workbook/>"),
    ("xl/sharedStrings.xml",
     '<sst count="3"><si><t>Title</t></si><si><t>Key</t></si><si><r><t>Autumn </t></r><r><t>Leaves</t></r><rPh><t>ignored</t></rPh></si></sst>'),
    ("xl/worksheets/sheet1.xml",
     '<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
     '<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" t="inlineStr"><is><t>Gm</t></is></c><c r="C2"><v>32</v></c></row></sheetData></worksheet>'),
    ("xl/worksheets/sheet2.xml", '<worksheet><sheetData><row><c t="str"><f>A1</f><v>Second sheet</v></c></row></sheetData></worksheet>'),
]
write("sample.xlsx", xlsx)

def slide(text):
    return f'<p:sld xmlns:p="p" {A}><p:cSld><p:spTree><p:sp><p:txBody><a:p><a:r><a:t>{text}</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:sld>'

write("sample.pptx", [("ppt/presentation.xml", "<p/>"), ("ppt/slides/slide10.xml", slide("Slide ten")),
                      ("ppt/slides/slide2.xml", slide("Slide two")), ("ppt/slides/slide1.xml", slide("Slide one")),
                      ("ppt/notesSlides/notesSlide1.xml", slide("Speaker notes"))])

ODF = 'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
def odf(name, mime, body):
    with zipfile.ZipFile(name, "w") as archive:
        archive.writestr("mimetype", mime, compress_type=zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", "<manifest/>", compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", f'<?xml version="1.0"?><office:document-content {ODF}><office:body>{body}</office:body></office:document-content>', compress_type=zipfile.ZIP_DEFLATED)

odf("sample.odt", "application/vnd.oasis.opendocument.text",
    '<office:text><text:h>Autumn Leaves</text:h><text:p>Key<text:tab/>Gm<text:s text:c="2"/>swing</text:p><text:p>second<text:line-break/>line</text:p></office:text>')
odf("sample.ods", "application/vnd.oasis.opendocument.spreadsheet",
    '<office:spreadsheet><table:table><table:table-row><table:table-cell><text:p>Title</text:p></table:table-cell><table:table-cell><text:p>Key</text:p></table:table-cell></table:table-row>'
    '<table:table-row><table:table-cell><text:p>Autumn Leaves</text:p></table:table-cell><table:table-cell><text:p>Gm</text:p></table:table-cell></table:table-row></table:table></office:spreadsheet>')
odf("sample.odp", "application/vnd.oasis.opendocument.presentation",
    '<office:presentation><draw:page xmlns:draw="d"><draw:frame><draw:text-box><text:p>Slide title</text:p><text:p>Bullet point</text:p></draw:text-box></draw:frame></draw:page></office:presentation>')

with zipfile.ZipFile("sample.epub", "w") as archive:
    archive.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
    archive.writestr("META-INF/container.xml", '<?xml version="1.0"?><container><rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles></container>', compress_type=zipfile.ZIP_DEFLATED)
    archive.writestr("OEBPS/content.opf", '<package><manifest><item id="c2" href="text/chapter%202.xhtml"/><item id="c1" href="text/one.xhtml"/><item id="css" href="s.css"/></manifest><spine><itemref idref="c1"/><itemref idref="c2"/></spine></package>', compress_type=zipfile.ZIP_DEFLATED)
    archive.writestr("OEBPS/text/chapter 2.xhtml", '<html><head><title>T</title><style>p{}</style></head><body><h1>Chapter two</h1><p>The end&#8230;</p></body></html>', compress_type=zipfile.ZIP_DEFLATED)
    archive.writestr("OEBPS/text/one.xhtml", '<html><body><h1>Chapter one</h1><p>It was a dark night.</p></body></html>', compress_type=zipfile.ZIP_DEFLATED)

open("sample.rtf", "w").write(r"""{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0 Times;}}{\colortbl;\red0\green0\blue0;}
{\*\generator Writer}{\info{\title Hidden title}}\pard\plain Autumn \b Leaves\b0\par
Key: Gm\tab caf\'e9 \u8364?10\par
{\pict\wmetafile8 0102ff}{\field{\*\fldinst HYPERLINK "x"}{\fldrslt link text}}\par
\u26085?\u26412?\u-30050?\par}""")

# A ZIP bomb: 64 MiB of zeros deflated to about 64 KiB, as a docx's document.
with zipfile.ZipFile("bomb.docx", "w", zipfile.ZIP_DEFLATED) as archive:
    archive.writestr("word/document.xml", b"\0" * (64 << 20))

# A lying header: the central directory says 100 bytes, the entry expands to 10 MiB.
data = bytearray(open("bomb.docx", "rb").read())
write("lying.docx", [("word/document.xml", f'<w:document {W}><w:body>' + "<w:p><w:r><w:t>x</w:t></w:r></w:p>" * 300000 + "</w:body></w:document>")])
data = bytearray(open("lying.docx", "rb").read())
central = data.rfind(b"PK\x01\x02")
data[central + 24:central + 28] = (100).to_bytes(4, "little")
open("lying.docx", "wb").write(bytes(data))

write("malformed.docx", [("word/document.xml", f'<w:document {W}><w:body><w:p><w:t>open</w:p></w:body>')])
full = open("sample.docx", "rb").read()
open("truncated.docx", "wb").write(full[: len(full) // 2])

# ZipCrypto-encrypted (Python's zipfile cannot write it; Info-ZIP's zip can).
import os, subprocess, tempfile
with tempfile.TemporaryDirectory() as folder:
    os.makedirs(f"{folder}/word")
    open(f"{folder}/word/document.xml", "w").write("<w:document/>\n")
    os.utime(f"{folder}/word/document.xml", (1767225600, 1767225600))
    if os.path.exists("encrypted.docx"):
        os.remove("encrypted.docx")
    subprocess.run(["zip", "-q", "-P", "secret", "-r", os.path.abspath("encrypted.docx"), "word"], cwd=folder, check=True)

# A docx with a 256 KiB picture the extractor never needs to read.
import random
random.seed(16)
write("picture.docx", docx + [("word/media/image1.png", bytes(random.getrandbits(8) for _ in range(256 << 10)))],
      method=zipfile.ZIP_STORED)

# A one-page PDF, and the same encrypted with a user password (Debian's qpdf; skipped without it).
def pdf(text):
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)

open("plain.pdf", "wb").write(pdf("Secret chart in Bb"))
import shutil
if shutil.which("qpdf"):
    subprocess.run(["qpdf", "--encrypt", "user-password", "owner-password", "256", "--", "plain.pdf", "encrypted.pdf"], check=True)
