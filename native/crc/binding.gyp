{
  "targets": [
    {
      "target_name": "s3xfer_crc",
      "sources": ["crc.c"],
      "cflags": ["-O3", "-std=c11", "-Wall", "-Wextra"],
      "xcode_settings": { "OTHER_CFLAGS": ["-O3", "-std=c11"] }
    }
  ]
}
