#!/usr/bin/env bash
# Golden QR matrices for Tests/AuthKitTests/QRCodeTests.swift, drawn once by Debian's `qrencode`
# command (package qrencode, libqrencode 4.1.1): "##" a dark module, "  " a light one, no margin.
# The command calls QRcode_encodeString case-sensitively with the 8-bit hint, as QRCode.encode does.
set -euo pipefail
cd "$(dirname "$0")"
URI='otpauth://totp/MyApplication:alice?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=MyApplication'
qrencode -t ASCII -m 0 -l L -o hello-L.txt 'HELLO'
qrencode -t ASCII -m 0 -l M -o otpauth-M.txt "$URI"
qrencode -t ASCII -m 0 -l H -o otpauth-H.txt "$URI"
