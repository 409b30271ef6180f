#!/usr/bin/env python3
"""Turns a report email (.eml, as the outbox and SES get it) into the page a mail client shows:
the HTML part with every `cid:` image rewritten to its inline part as a `data:` URI, so a
browser can render it. Fails when the mail lacks a plain-text part or an image it links to.

usage: eml-to-html.py MAIL.eml > page.html
"""
import base64
import email
import email.policy
import sys

msg = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
html, text, parts = None, None, {}
for part in msg.walk():
    ctype = part.get_content_type()
    if ctype == "text/html" and html is None:
        html = part.get_content()
    elif ctype == "text/plain" and text is None:
        text = part.get_content()
    elif part.get("Content-ID"):
        cid = part["Content-ID"].strip().strip("<>")
        parts[cid] = f"data:{ctype};base64,{base64.b64encode(part.get_payload(decode=True)).decode()}"
if html is None or not (text or "").strip():
    sys.exit(f"{sys.argv[1]}: the mail needs an HTML part and a plain-text part")
for cid, uri in parts.items():
    html = html.replace(f"cid:{cid}", uri)
if "cid:" in html:
    sys.exit(f"{sys.argv[1]}: the HTML links to an image the mail does not carry")
sys.stdout.write(html)
