import { afterEach, describe, expect, it } from "vitest";
import { motoVersion, startMotoServer } from "../support/moto-server.js";

describe("moto launcher without moto", () => {
  const saved = process.env.S3XFER_PYTHON;
  afterEach(() => {
    if (saved === undefined) delete process.env.S3XFER_PYTHON;
    else process.env.S3XFER_PYTHON = saved;
  });

  it("fails (never skips) with how to install it when python or moto is missing", async () => {
    process.env.S3XFER_PYTHON = "/nonexistent/python3";
    expect(() => motoVersion()).toThrow(/pip install 'moto\[server\]'/);
    await expect(startMotoServer()).rejects.toThrow(/pip install 'moto\[server\]'/);
  });

  it("fails the same way when the interpreter cannot import moto.server", () => {
    process.env.S3XFER_PYTHON = "node";
    expect(() => motoVersion()).toThrow(/moto \(Python, with its server extras\) is needed/);
  });
});
