import { describe, expect, it } from "vitest";
import { checkObjectAttributes, writeParams } from "../../src/s3/object-attributes.js";
import { UsageError } from "../../src/errors.js";
import { transferOptionsFromFlags, type TransferFlags } from "../../src/cli/transfer-flags.js";

const BASE_FLAGS: TransferFlags = {
  "force-multipart": false,
  "content-md5": false,
  progress: false,
  "keep-on-error": false,
  json: false,
  quiet: false,
  debug: false,
};
/** No S3XFER_* variables, no config file: only the flags count. */
const NO_ENV = { AWS_CONFIG_FILE: "/nonexistent/config", AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/c" };

describe("writeParams: Object Lock, grants and website redirect", () => {
  it("maps every attribute onto its request field", () => {
    const until = new Date("2031-02-03T04:05:06Z");
    expect(
      writeParams({
        objectLockMode: "GOVERNANCE",
        objectLockRetainUntilDate: until,
        objectLockLegalHoldStatus: "ON",
        grantRead: 'uri="http://acs.amazonaws.com/groups/global/AllUsers"',
        grantReadAcp: 'id="abc"',
        grantWriteAcp: 'emailAddress="a@example.com"',
        grantFullControl: 'id="def"',
        websiteRedirectLocation: "/elsewhere",
      }),
    ).toEqual({
      ObjectLockMode: "GOVERNANCE",
      ObjectLockRetainUntilDate: until,
      ObjectLockLegalHoldStatus: "ON",
      GrantRead: 'uri="http://acs.amazonaws.com/groups/global/AllUsers"',
      GrantReadACP: 'id="abc"',
      GrantWriteACP: 'emailAddress="a@example.com"',
      GrantFullControl: 'id="def"',
      WebsiteRedirectLocation: "/elsewhere",
    });
  });

  it("takes a retain-until date as the journal keeps it (ISO text) and sends a Date", () => {
    const params = writeParams({
      objectLockMode: "COMPLIANCE",
      objectLockRetainUntilDate: "2031-02-03T04:05:06.000Z",
    });
    expect(params.ObjectLockRetainUntilDate).toEqual(new Date("2031-02-03T04:05:06Z"));
  });

  it("sends none of them when none is given", () => {
    expect(writeParams({})).toEqual({});
  });
});

describe("checkObjectAttributes", () => {
  const refused = (attributes: Parameters<typeof checkObjectAttributes>[0], pattern: RegExp) => {
    let error: unknown;
    try {
      checkObjectAttributes(attributes);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(2);
    expect((error as Error).message).toMatch(pattern);
  };

  it("needs the retention mode and date together", () => {
    refused({ objectLockMode: "GOVERNANCE" }, /go together/);
    refused({ objectLockRetainUntilDate: new Date("2031-01-01") }, /go together/);
  });

  it("refuses unknown modes, statuses and dates that are not dates", () => {
    refused(
      { objectLockMode: "FOREVER" as "GOVERNANCE", objectLockRetainUntilDate: "2031-01-01" },
      /GOVERNANCE or COMPLIANCE/,
    );
    refused({ objectLockMode: "GOVERNANCE", objectLockRetainUntilDate: "next tuesday" }, /not a date/);
    refused({ objectLockLegalHoldStatus: "YES" as "ON" }, /ON or OFF/);
  });

  it("refuses a canned ACL with explicit grants, and grantees that are not id=, uri= or emailAddress=", () => {
    refused({ acl: "private", grantRead: 'id="x"' }, /--acl and --grant-read cannot be used together/);
    refused({ grantFullControl: 'id="x",bob' }, /"bob" is not a grantee/);
    expect(() => checkObjectAttributes({ grantRead: 'id="a,b", uri="http://x/y"' })).not.toThrow();
  });

  it("refuses a website redirect that is neither a key path nor an http(s) URL", () => {
    refused({ websiteRedirectLocation: "elsewhere" }, /must start with/);
    expect(() => checkObjectAttributes({ websiteRedirectLocation: "https://example.com/x" })).not.toThrow();
  });
});

describe("cp flags for these attributes", () => {
  it("become the library's options (mode and status case-insensitive)", () => {
    const options = transferOptionsFromFlags(
      {
        ...BASE_FLAGS,
        "object-lock-mode": "governance",
        "object-lock-retain-until-date": "2031-02-03T04:05:06Z",
        "object-lock-legal-hold-status": "off",
        "grant-read": 'id="abc"',
        "website-redirect-location": "/k",
      },
      NO_ENV,
    );
    expect(options).toMatchObject({
      objectLockMode: "GOVERNANCE",
      objectLockRetainUntilDate: new Date("2031-02-03T04:05:06Z"),
      objectLockLegalHoldStatus: "OFF",
      grantRead: 'id="abc"',
      websiteRedirectLocation: "/k",
    });
  });

  it("refuse Object Lock without any integrity check, which S3 requires", () => {
    expect(() =>
      transferOptionsFromFlags(
        { ...BASE_FLAGS, "object-lock-legal-hold-status": "ON", "checksum-algorithm": "NONE" },
        NO_ENV,
      ),
    ).toThrow(/Object Lock needs an integrity check/);
    expect(() =>
      transferOptionsFromFlags(
        {
          ...BASE_FLAGS,
          "object-lock-legal-hold-status": "ON",
          "checksum-algorithm": "NONE",
          "content-md5": true,
        },
        NO_ENV,
      ),
    ).not.toThrow();
  });
});
