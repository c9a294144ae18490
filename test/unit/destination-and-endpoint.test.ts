// Pure input conventions of the CLI and the library: a destination ending in "/" (aws-cli's folder
// convention), the endpoint URL check, and how yargs is kept from eating a negative value.
import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/errors.js";
import { checkEndpointUrl, destinationInFolder, keyBaseName, parseS3Url } from "../../src/s3/url.js";
import { joinNegativeValues } from "../../src/cli/stdin-arg.js";

describe("a destination ending in /", () => {
  const folder = (url: string, name: string | undefined) =>
    destinationInFolder(parseS3Url(url, { requireKey: false }), name);

  it("puts the object in that folder under the source's name, as aws-cli does", () => {
    expect(folder("s3://bkt/dir/", "big.tar")).toEqual({ bucket: "bkt", key: "dir/big.tar" });
    expect(folder("s3://bkt/a/b/", "y.tar")).toEqual({ bucket: "bkt", key: "a/b/y.tar" });
    expect(folder("s3://bkt/", "big.tar")).toEqual({ bucket: "bkt", key: "big.tar" });
  });

  it("leaves a full key alone", () => {
    expect(destinationInFolder({ bucket: "bkt", key: "dir/k" }, "big.tar")).toEqual({
      bucket: "bkt",
      key: "dir/k",
    });
  });

  it("asks stdin for a full key", () => {
    expect(() => folder("s3://bkt/dir/", undefined)).toThrow(UsageError);
    expect(() => folder("s3://bkt/dir/", undefined)).toThrow(
      /s3:\/\/bkt\/dir\/ ends in "\/" and stdin has no name to put there: give the full key, e\.g\. s3:\/\/bkt\/dir\/name/,
    );
  });

  it("refuses a source without a name of its own", () => {
    expect(() => folder("s3://bkt/dir/", "")).toThrow(/the source has no name of its own/);
  });

  it("takes a copy source's last key segment as its name", () => {
    expect(keyBaseName("x/y.tar")).toBe("y.tar");
    expect(keyBaseName("y.tar")).toBe("y.tar");
    expect(keyBaseName("x/")).toBe("");
    expect(folder("s3://bkt/dir/", keyBaseName(parseS3Url("s3://src/x/y.tar").key))).toEqual({
      bucket: "bkt",
      key: "dir/y.tar",
    });
  });
});

describe("the endpoint URL", () => {
  it.each(["http://127.0.0.1:7480", "https://s3.eu-west-1.amazonaws.com", "http://minio:9000/"])(
    "accepts %s",
    (url) => expect(() => checkEndpointUrl(url, "--endpoint-url")).not.toThrow(),
  );

  it.each([
    ["notaurl", /--endpoint-url "notaurl" is not a URL/],
    ["", /--endpoint-url "" is not a URL/],
    ["127.0.0.1:7480", /is not a(n http or https)? URL/],
    ["ftp://127.0.0.1:7480", /--endpoint-url "ftp:\/\/127\.0\.0\.1:7480" is not an http or https URL/],
    ["file:///tmp/x", /is not an http or https URL/],
  ])("refuses %j, naming the setting and the fix", (url, problem) => {
    let error: unknown;
    try {
      checkEndpointUrl(url, "--endpoint-url");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toMatch(problem);
    expect((error as UsageError).message).toMatch(/give it as http\(s\):\/\/host\[:port\]/);
  });
});

describe("a negative value after a flag", () => {
  it("is joined to its flag, so the message shows it as typed", () => {
    expect(joinNegativeValues(["cp", "f", "s3://bkt/k", "--part-size", "-8MiB"])).toEqual([
      "cp",
      "f",
      "s3://bkt/k",
      "--part-size=-8MiB",
    ]);
    expect(joinNegativeValues(["--concurrency", "-1", "--max-attempts", "-.5"])).toEqual([
      "--concurrency=-1",
      "--max-attempts=-.5",
    ]);
  });

  it("leaves flags, short flags and everything after -- alone", () => {
    const argv = ["cp", "--json", "-h", "--part-size=8MiB", "--quiet", "-V", "--", "--x", "-1"];
    expect(joinNegativeValues(argv)).toEqual(argv);
    expect(joinNegativeValues(["--part-size", "8MiB"])).toEqual(["--part-size", "8MiB"]);
  });
});
