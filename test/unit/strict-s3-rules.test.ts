import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  checkBodyChecksum,
  checkComplete,
  checkCreateMultipartUpload,
  checksumOf,
  decodeAwsChunked,
  isAwsChunked,
  multipartChecksum,
  parseCompleteBody,
  parseCopySource,
  parseCopySourceRange,
  requestChecksum,
  trailerChecksum,
  type StoredUpload,
} from "../support/strict-s3-rules.js";
import { addChecksum, addListPartsChecksums, addListUploadsChecksums } from "../support/strict-s3-xml.js";

const CHECK = Buffer.from("123456789");

describe("checksumOf (reference implementations, S3 base64)", () => {
  it("gives the catalogue check values", () => {
    expect(Buffer.from(checksumOf("CRC32", CHECK), "base64").toString("hex")).toBe("cbf43926");
    expect(Buffer.from(checksumOf("CRC32C", CHECK), "base64").toString("hex")).toBe("e3069283");
    expect(Buffer.from(checksumOf("CRC64NVME", CHECK), "base64").toString("hex")).toBe("ae8b14860a799888");
    expect(checksumOf("SHA256", CHECK)).toBe(createHash("sha256").update(CHECK).digest("base64"));
    expect(checksumOf("SHA1", [CHECK.subarray(0, 4), CHECK.subarray(4)])).toBe(
      createHash("sha1").update(CHECK).digest("base64"),
    );
  });
});

describe("CreateMultipartUpload algorithm/type pairs", () => {
  const create = (algorithm?: string, type?: string) =>
    checkCreateMultipartUpload({
      ...(algorithm ? { "x-amz-checksum-algorithm": algorithm } : {}),
      ...(type ? { "x-amz-checksum-type": type } : {}),
    });

  it.each([
    ["CRC64NVME", "FULL_OBJECT"],
    ["CRC32", "FULL_OBJECT"],
    ["CRC32C", "FULL_OBJECT"],
    ["CRC32", "COMPOSITE"],
    ["CRC32C", "COMPOSITE"],
    ["SHA1", "COMPOSITE"],
    ["SHA256", "COMPOSITE"],
  ])("%s with %s is accepted", (algorithm, type) => {
    expect(create(algorithm, type)).toEqual({ algorithm, type });
  });

  it.each([
    ["CRC64NVME", "COMPOSITE"],
    ["SHA1", "FULL_OBJECT"],
    ["SHA256", "FULL_OBJECT"],
  ])("%s with %s is InvalidRequest", (algorithm, type) => {
    expect(create(algorithm, type)).toMatchObject({ status: 400, code: "InvalidRequest" });
  });

  it("defaults: CRC64NVME full-object, the others composite; none without an algorithm", () => {
    expect(create("CRC64NVME")).toEqual({ algorithm: "CRC64NVME", type: "FULL_OBJECT" });
    expect(create("CRC32")).toEqual({ algorithm: "CRC32", type: "COMPOSITE" });
    expect(create("SHA256")).toEqual({ algorithm: "SHA256", type: "COMPOSITE" });
    expect(create()).toEqual({ algorithm: null, type: null });
  });

  it("refuses an unknown algorithm, an unknown type, and a type without an algorithm", () => {
    expect(create("MD5")).toMatchObject({ code: "InvalidRequest" });
    expect(create("CRC32", "PARTIAL")).toMatchObject({ code: "InvalidRequest" });
    expect(create(undefined, "FULL_OBJECT")).toMatchObject({ code: "InvalidRequest" });
  });
});

describe("body checksums (UploadPart, PutObject)", () => {
  it("accepts the right value, refuses a wrong one with BadDigest", () => {
    const good = { algorithm: "CRC32C" as const, value: checksumOf("CRC32C", CHECK) };
    expect(checkBodyChecksum(good, [CHECK])).toBeUndefined();
    expect(checkBodyChecksum({ ...good, value: checksumOf("CRC32C", Buffer.from("x")) }, [CHECK])).toEqual({
      status: 400,
      code: "BadDigest",
      message: "The CRC32C you specified did not match the calculated checksum.",
    });
  });

  it("refuses a part of another algorithm than its upload's", () => {
    const given = { algorithm: "CRC32" as const, value: checksumOf("CRC32", CHECK) };
    expect(checkBodyChecksum(given, [CHECK], "SHA256")).toMatchObject({
      code: "InvalidRequest",
      message: "Checksum Type mismatch occurred, expected checksum Type: sha256, actual checksum Type: crc32",
    });
  });

  it("reads one checksum header, refuses two", () => {
    expect(requestChecksum({ "x-amz-checksum-sha1": "abc" })).toEqual({ algorithm: "SHA1", value: "abc" });
    expect(requestChecksum({})).toBeUndefined();
    expect(requestChecksum({ "x-amz-checksum-sha1": "a", "x-amz-checksum-crc32": "b" })).toMatchObject({
      code: "InvalidRequest",
    });
  });
});

describe("aws-chunked bodies", () => {
  const value = checksumOf("CRC32", CHECK);
  const body = Buffer.from(
    `4\r\n1234\r\n5;chunk-signature=abc\r\n56789\r\n0\r\nx-amz-checksum-crc32:${value}\r\n\r\n`,
    "latin1",
  );

  it("decodes chunks and trailers", () => {
    const decoded = decodeAwsChunked(body);
    expect(Buffer.concat(decoded.chunks).toString()).toBe("123456789");
    expect(decoded.trailers).toEqual({ "x-amz-checksum-crc32": value });
    const headers = {
      "content-encoding": "aws-chunked",
      "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
      "x-amz-trailer": "x-amz-checksum-crc32",
    };
    expect(isAwsChunked(headers)).toBe(true);
    expect(trailerChecksum(headers, decoded.trailers)).toEqual({ algorithm: "CRC32", value });
    expect(trailerChecksum(headers, {})).toMatchObject({ code: "InvalidRequest" });
    expect(isAwsChunked({ "x-amz-content-sha256": "UNSIGNED-PAYLOAD" })).toBe(false);
  });

  it("throws on a malformed body", () => {
    expect(() => decodeAwsChunked(Buffer.from("zz\r\n"))).toThrow(/bad chunk size/);
    expect(() => decodeAwsChunked(Buffer.from("4\r\n123456"))).toThrow(/CRLF/);
  });
});

describe("CompleteMultipartUpload", () => {
  const partA = Buffer.alloc(1000, 1);
  const partB = Buffer.alloc(300, 2);
  const upload = (
    algorithm: "CRC64NVME" | "SHA256" | "CRC32",
    type: "FULL_OBJECT" | "COMPOSITE",
  ): StoredUpload => ({
    algorithm,
    type,
    parts: new Map([
      [1, { size: partA.length, checksum: checksumOf(algorithm, partA) }],
      [2, { size: partB.length, checksum: checksumOf(algorithm, partB) }],
    ]),
  });
  const body = (element: string | null, values: (string | null)[]) =>
    `<CompleteMultipartUpload>${values
      .map(
        (v, i) =>
          `<Part><PartNumber>${i + 1}</PartNumber><ETag>"e${i}"</ETag>` +
          (v !== null && element ? `<${element}>${v}</${element}>` : "") +
          `</Part>`,
      )
      .join("")}</CompleteMultipartUpload>`;

  it("parses parts with their checksums", () => {
    expect(parseCompleteBody(body("ChecksumSHA1", ["x", null]))).toEqual([
      { partNumber: 1, etag: '"e0"', checksums: { SHA1: "x" } },
      { partNumber: 2, etag: '"e1"', checksums: {} },
    ]);
  });

  it("FULL_OBJECT: combines the part CRCs into the whole object's CRC", () => {
    const u = upload("CRC64NVME", "FULL_OBJECT");
    const parts = [...u.parts.values()].map((p) => p.checksum!);
    const whole = checksumOf("CRC64NVME", Buffer.concat([partA, partB]));
    expect(
      multipartChecksum("CRC64NVME", "FULL_OBJECT", [
        { checksum: parts[0]!, size: partA.length },
        { checksum: parts[1]!, size: partB.length },
      ]),
    ).toBe(whole);
    const listed = parseCompleteBody(body("ChecksumCRC64NVME", parts));
    expect(checkComplete(u, listed, {})).toEqual({
      checksum: { algorithm: "CRC64NVME", type: "FULL_OBJECT", value: whole },
    });
    expect(
      checkComplete(u, listed, { "x-amz-checksum-crc64nvme": whole, "x-amz-checksum-type": "FULL_OBJECT" }),
    ).toEqual({
      checksum: { algorithm: "CRC64NVME", type: "FULL_OBJECT", value: whole },
    });
    expect(
      checkComplete(u, listed, { "x-amz-checksum-crc64nvme": checksumOf("CRC64NVME", partA) }),
    ).toMatchObject({
      code: "BadDigest",
    });
    expect(checkComplete(u, listed, { "x-amz-checksum-type": "COMPOSITE" })).toMatchObject({
      code: "BadDigest",
    });
  });

  it("COMPOSITE: checksum of the part checksums, -N", () => {
    const u = upload("SHA256", "COMPOSITE");
    const parts = [...u.parts.values()].map((p) => p.checksum!);
    const composite =
      createHash("sha256")
        .update(Buffer.concat(parts.map((p) => Buffer.from(p, "base64"))))
        .digest("base64") + "-2";
    const listed = parseCompleteBody(body("ChecksumSHA256", parts));
    expect(checkComplete(u, listed, {})).toEqual({
      checksum: { algorithm: "SHA256", type: "COMPOSITE", value: composite },
    });
    expect(checkComplete(u, listed, { "x-amz-checksum-sha256": composite })).not.toHaveProperty("code");
    expect(checkComplete(u, listed, { "x-amz-checksum-sha256": checksumOf("SHA256", partA) })).toMatchObject({
      code: "BadDigest",
    });
  });

  it("a missing part checksum is AWS's InvalidRequest, word for word", () => {
    const u = upload("CRC64NVME", "FULL_OBJECT");
    expect(checkComplete(u, parseCompleteBody(body(null, [null, null])), {})).toEqual({
      status: 400,
      code: "InvalidRequest",
      message:
        "The upload was created using a crc64nvme checksum. The complete request must include the checksum " +
        "for each part. It was missing for part 1 in the request.",
    });
    const second = parseCompleteBody(body("ChecksumCRC64NVME", [u.parts.get(1)!.checksum!, null]));
    expect(checkComplete(u, second, {})).toMatchObject({
      message: /It was missing for part 2 in the request/,
    });
  });

  it("a part checksum other than the stored one, or of another algorithm, is refused", () => {
    const u = upload("CRC32", "COMPOSITE");
    const wrong = parseCompleteBody(
      body("ChecksumCRC32", [checksumOf("CRC32", partB), u.parts.get(2)!.checksum!]),
    );
    expect(checkComplete(u, wrong, {})).toMatchObject({ code: "InvalidPart", message: /part 1/ });
    const other = parseCompleteBody(
      body("ChecksumCRC32", [u.parts.get(1)!.checksum!, u.parts.get(2)!.checksum!]).replace(
        "</Part>",
        "<ChecksumSHA1>x</ChecksumSHA1></Part>",
      ),
    );
    expect(checkComplete(u, other, {})).toMatchObject({ code: "InvalidRequest", message: /mismatch/ });
  });

  it("an upload without an algorithm needs no part checksums", () => {
    expect(
      checkComplete(
        { algorithm: null, type: null, parts: new Map() },
        parseCompleteBody(body(null, [null])),
        {},
      ),
    ).toEqual({});
  });
});

describe("copy source headers", () => {
  it("parses bucket, key, version and range", () => {
    expect(parseCopySource("/b/dir/k%20x?versionId=v1")).toEqual({
      bucket: "b",
      key: "dir/k x",
      versionId: "v1",
    });
    expect(parseCopySource("b/k")).toEqual({ bucket: "b", key: "k" });
    expect(parseCopySourceRange("bytes=5-9")).toEqual({ start: 5, end: 10 });
    expect(parseCopySourceRange(undefined)).toBeUndefined();
  });
});

describe("XML answers gain what AWS returns", () => {
  const upload: StoredUpload = {
    algorithm: "CRC32C",
    type: "FULL_OBJECT",
    parts: new Map([[2, { size: 5, checksum: "AAAAAA==" }]]),
  };

  it("ListParts: the upload's algorithm and type, each known part's checksum", () => {
    const xml =
      "<ListPartsResult><Part><PartNumber>1</PartNumber></Part><Part><PartNumber>2</PartNumber></Part></ListPartsResult>";
    expect(addListPartsChecksums(xml, upload)).toBe(
      "<ListPartsResult><Part><PartNumber>1</PartNumber></Part>" +
        "<Part><PartNumber>2</PartNumber><ChecksumCRC32C>AAAAAA==</ChecksumCRC32C></Part>" +
        "<ChecksumAlgorithm>CRC32C</ChecksumAlgorithm><ChecksumType>FULL_OBJECT</ChecksumType></ListPartsResult>",
    );
  });

  it("CopyPartResult, Complete and uploads lists", () => {
    expect(
      addChecksum("<CopyPartResult><ETag>x</ETag></CopyPartResult>", "CopyPartResult", "SHA1", "v"),
    ).toBe("<CopyPartResult><ETag>x</ETag><ChecksumSHA1>v</ChecksumSHA1></CopyPartResult>");
    expect(
      addChecksum(
        "<CompleteMultipartUploadResult></CompleteMultipartUploadResult>",
        "CompleteMultipartUploadResult",
        "CRC32",
        "v",
        "COMPOSITE",
      ),
    ).toBe(
      "<CompleteMultipartUploadResult><ChecksumCRC32>v</ChecksumCRC32><ChecksumType>COMPOSITE</ChecksumType></CompleteMultipartUploadResult>",
    );
    expect(
      addListUploadsChecksums(
        "<R><Upload><UploadId>u1</UploadId></Upload><Upload><UploadId>u2</UploadId></Upload></R>",
        (id) => (id === "u1" ? upload : undefined),
      ),
    ).toBe(
      "<R><Upload><UploadId>u1</UploadId><ChecksumAlgorithm>CRC32C</ChecksumAlgorithm><ChecksumType>FULL_OBJECT</ChecksumType></Upload><Upload><UploadId>u2</UploadId></Upload></R>",
    );
  });
});
