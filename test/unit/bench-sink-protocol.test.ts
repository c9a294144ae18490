import { describe, expect, it } from "vitest";
import {
  checksumHeaders,
  classify,
  completeXml,
  copySourceKey,
  declaredSize,
  listObjectsXml,
  parseTarget,
  rangeLength,
  trailerChecksums,
} from "../../bench/client/sink-protocol.js";

const op = (method: string, url: string, copy = false, host = "127.0.0.1:7760") =>
  classify(method, parseTarget(url, host), copy);

describe("null sink: which S3 call a request is", () => {
  it("tells the multipart calls apart by method and query", () => {
    expect(op("POST", "/b/k?uploads")).toBe("CreateMultipartUpload");
    expect(op("PUT", "/b/k?partNumber=3&uploadId=u")).toBe("UploadPart");
    expect(op("PUT", "/b/k?partNumber=3&uploadId=u", true)).toBe("UploadPartCopy");
    expect(op("POST", "/b/k?uploadId=u")).toBe("CompleteMultipartUpload");
    expect(op("DELETE", "/b/k?uploadId=u")).toBe("AbortMultipartUpload");
    expect(op("GET", "/b/k?uploadId=u")).toBe("ListParts");
    expect(op("GET", "/b?uploads&prefix=k")).toBe("ListMultipartUploads");
  });

  it("tells object and bucket calls apart", () => {
    expect(op("PUT", "/b/k")).toBe("PutObject");
    expect(op("PUT", "/b/k", true)).toBe("CopyObject");
    expect(op("HEAD", "/b/k")).toBe("HeadObject");
    expect(op("HEAD", "/b")).toBe("HeadBucket");
    expect(op("PUT", "/b")).toBe("CreateBucket");
    expect(op("GET", "/b?list-type=2&prefix=x")).toBe("ListObjects");
    expect(op("GET", "/b?location")).toBe("GetBucketLocation");
    expect(op("GET", "/b/k?tagging")).toBe("GetObjectTagging");
    expect(op("PUT", "/b/k?tagging")).toBe("PutObjectTagging");
    expect(op("DELETE", "/b/k")).toBe("DeleteObject");
    expect(op("PATCH", "/b/k")).toBe("Unknown");
  });

  it("reads bucket and key path-style and virtual-hosted", () => {
    expect(parseTarget("/b/dir/a%20b?x=1", "127.0.0.1:7760")).toMatchObject({ bucket: "b", key: "dir/a b" });
    expect(parseTarget("/dir/k", "b.localhost.example:7760")).toMatchObject({ bucket: "b", key: "dir/k" });
    expect(parseTarget("/b", "localhost")).toMatchObject({ bucket: "b", key: "" });
  });
});

describe("null sink: declared sources and copy ranges", () => {
  it("a key src-<bytes> declares its size", () => {
    expect(declaredSize("src-52428800000")).toBe(52_428_800_000);
    expect(declaredSize("dir/src-1")).toBe(1);
    expect(declaredSize("src-12x")).toBeUndefined();
    expect(declaredSize("other")).toBeUndefined();
  });

  it("parses x-amz-copy-source with or without a leading slash and version", () => {
    expect(copySourceKey("/b/dir/src-10?versionId=v")).toEqual({ bucket: "b", key: "dir/src-10" });
    expect(copySourceKey("b/a%2Bb")).toEqual({ bucket: "b", key: "a+b" });
  });

  it("measures an inclusive copy range", () => {
    expect(rangeLength("bytes=0-5242879")).toBe(5 * 1024 * 1024);
    expect(rangeLength("bytes=10-9")).toBeUndefined();
    expect(rangeLength(undefined)).toBeUndefined();
  });
});

describe("null sink: checksums echoed as AWS does", () => {
  it("echoes x-amz-checksum-* request headers and nothing else", () => {
    expect(
      checksumHeaders({
        "x-amz-checksum-crc64nvme": "AAAAAAAAAAA=",
        "x-amz-checksum-algorithm": "CRC64NVME",
        "content-md5": "x",
      }),
    ).toEqual({ "x-amz-checksum-crc64nvme": "AAAAAAAAAAA=" });
  });

  it("finds a checksum sent as an aws-chunked trailer", () => {
    const tail = "...data\r\n0\r\nx-amz-checksum-crc32:sOO8/Q==\r\n\r\n";
    expect(trailerChecksums(tail)).toEqual({ "x-amz-checksum-crc32": "sOO8/Q==" });
    expect(trailerChecksums("0\r\n\r\n")).toEqual({});
  });
});

describe("null sink: answers", () => {
  it("escapes keys in XML", () => {
    expect(completeXml("b", "a<b&c", '"e-2"')).toContain("<Key>a&#60;b&#38;c</Key>");
  });

  it("lists objects with their sizes", () => {
    const xml = listObjectsXml(
      "b",
      "src-5",
      [{ key: "src-5", size: 5, etag: '"x"' }],
      "2026-01-01T00:00:00.000Z",
    );
    expect(xml).toContain("<KeyCount>1</KeyCount>");
    expect(xml).toContain("<Key>src-5</Key>");
    expect(xml).toContain("<Size>5</Size>");
  });
});
