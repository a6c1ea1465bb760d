"""Drives the DriveSync emulator with Google's own Python client (google-api-python-client), unchanged.

Usage: python3 Interop/python_client.py BASE_URL TOKEN
The client is built from its bundled discovery document with the root URL pointed at the emulator.
Exits non-zero on the first failed check.
"""
import io
import json
import sys
import urllib.request

import httplib2
from google.oauth2.credentials import Credentials
from googleapiclient import discovery
from googleapiclient.http import MediaInMemoryUpload, MediaIoBaseDownload, MediaIoBaseUpload, build_http

base, token = sys.argv[1].rstrip("/"), sys.argv[2]


def admin(path, body=None, method="POST"):
    request = urllib.request.Request(base + "/emulator/admin/" + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else None)
    urllib.request.urlopen(request).read()


def check(condition, message):
    if not condition:
        sys.exit("FAILED: " + message)
    print("ok -", message)


# The bundled discovery document, with its root URL pointed at the emulator.
from googleapiclient import discovery_cache
document = json.loads(discovery_cache.get_static_doc("drive", "v3"))
document["rootUrl"] = base + "/"
document["baseUrl"] = base + "/drive/v3/"
document["batchPath"] = "batch/drive/v3"
drive = discovery.build_from_document(document, credentials=Credentials(token))

folder = drive.files().create(body={"name": "py", "mimeType": "application/vnd.google-apps.folder"}, fields="id").execute()
small = drive.files().create(body={"name": "it's \"x\" \\ y.txt", "parents": [folder["id"]]},
                             media_body=MediaInMemoryUpload(b"hello from python", mimetype="text/plain"),
                             fields="id,name,size,md5Checksum").execute()
check(small["size"] == "17", "multipart upload")

escaped = small["name"].replace("\\", "\\\\").replace("'", "\\'")
listed = drive.files().list(q=f"name = '{escaped}' and '{folder['id']}' in parents and trashed = false",
                            fields="files(id,name)").execute()
check([f["id"] for f in listed["files"]] == [small["id"]], "list with escaped quotes and backslashes")

start = drive.changes().getStartPageToken().execute()["startPageToken"]

# Resumable upload in 256 KiB chunks; the second chunk fails with 503 after 100,000 bytes were kept.
payload = bytes(range(256)) * 4096 + b"tail"
admin("faults", {"method": "PUT", "count": 1, "action": {"partialChunk": {"persistBytes": 100000, "status": 503}}})
media = MediaIoBaseUpload(io.BytesIO(payload), mimetype="application/octet-stream", chunksize=256 * 1024, resumable=True)
request = drive.files().create(body={"name": "big.bin", "parents": [folder["id"]]}, media_body=media, fields="id,size,md5Checksum")
response = None
failures = 0
while response is None:
    try:
        status, response = request.next_chunk(num_retries=0)
    except Exception as error:  # the injected 503
        failures += 1
        check(failures == 1 and "503" in str(error), "injected 503 surfaces once")
import hashlib
check(response["size"] == str(len(payload)) and response["md5Checksum"] == hashlib.md5(payload).hexdigest(),
      "resumable upload resumed after an injected failure")

buffer = io.BytesIO()
downloader = MediaIoBaseDownload(buffer, drive.files().get_media(fileId=response["id"]), chunksize=300 * 1024)
done = False
while not done:
    _, done = downloader.next_chunk()
check(buffer.getvalue() == payload, "chunked ranged download")

changes = drive.changes().list(pageToken=start, fields="newStartPageToken,changes(fileId)").execute()
check(response["id"] in [c["fileId"] for c in changes["changes"]] and "newStartPageToken" in changes, "changes feed")

results = {}
batch = drive.new_batch_http_request(callback=lambda rid, resp, exc: results.__setitem__(rid, (resp, exc)))
batch.add(drive.files().get(fileId=small["id"], fields="name"))
batch.add(drive.files().get(fileId="nope"))
batch.execute()
check(len(results) == 2 and any(exc is not None for _, exc in results.values()), "batch with per-call errors")

about = drive.about().get(fields="user,storageQuota").execute()
check("emailAddress" in about["user"], "about")
print("all python client checks passed")
