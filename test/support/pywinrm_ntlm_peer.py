#!/usr/bin/python3
"""NTLM and message-encryption peer built from pywinrm's own libraries, for interop tests.

The process reads one JSON request per line on stdin and writes one JSON reply per line on
stdout. Binary values are base64 strings. It uses exactly the code that pywinrm 0.3.0 runs for
`transport='ntlm'` over HTTP:

- requests_ntlm's handshake calls on ntlm_auth (`ntlm.Ntlm()`, `create_negotiate_message`,
  `parse_challenge_message`, `create_authenticate_message`), with the user name split and the
  domain upper-cased as `requests_ntlm.HttpNtlmAuth` does;
- `winrm.encryption.Encryption` for the multipart/encrypted framing, on a requests Session whose
  `auth.session_security` is the ntlm_auth session, as pywinrm's transport sets it up.

Requests (field "op"):
  negotiate    {username, password}        -> {token}        NEGOTIATE_MESSAGE
  authenticate {token}                      -> {token}        AUTHENTICATE_MESSAGE from a CHALLENGE
  encrypt      {message}                    -> {body, contentType}   pywinrm request body
  decrypt      {body, contentType}          -> {message}      pywinrm response parsing
  wrap         {message}                    -> {signature, sealed}   raw session security
  unwrap       {sealed, signature}          -> {message}
  session      {flags, key, source}         -> {}             standalone SessionSecurity
Any failure is reported as {error} and the process keeps running.
"""

import base64
import json
import sys

import requests
import requests.auth
from ntlm_auth import ntlm
from ntlm_auth.session_security import SessionSecurity
from winrm.encryption import Encryption

ENDPOINT = "http://127.0.0.1:5985/wsman"
OPERATIONS = {"negotiate", "authenticate", "encrypt", "decrypt", "wrap", "unwrap", "session"}


class _Auth(requests.auth.AuthBase):
    """Stands in for requests_ntlm.HttpNtlmAuth after authentication; it adds no headers."""

    def __init__(self):
        self.session_security = None

    def __call__(self, prepared_request):
        return prepared_request


class _Response:
    """The attributes of requests.Response that Encryption.parse_encrypted_response reads."""

    def __init__(self, body, content_type):
        self.content = body
        self.text = body.decode("utf-8", "replace")
        self.headers = {"Content-Type": content_type}
        self.request = requests.Request("POST", ENDPOINT)


class Peer:
    def __init__(self):
        self.context = None
        self.username = None
        self.password = None
        self.domain = None
        self.http_session = requests.Session()
        self.http_session.auth = _Auth()
        self.encryption = Encryption(self.http_session, "ntlm")

    def negotiate(self, request):
        # Same parsing as requests_ntlm.HttpNtlmAuth.__init__ (requests-ntlm 1.1.0).
        try:
            self.domain, self.username = request["username"].split("\\", 1)
        except ValueError:
            self.username = request["username"]
            self.domain = ""
        if self.domain:
            self.domain = self.domain.upper()
        self.password = request["password"]
        self.context = ntlm.Ntlm()
        token = self.context.create_negotiate_message(self.domain)
        return {"token": token.decode("ascii")}

    def authenticate(self, request):
        self.context.parse_challenge_message(request["token"])
        token = self.context.create_authenticate_message(self.username, self.password, self.domain)
        self.http_session.auth.session_security = self.context.session_security
        return {"token": token.decode("ascii")}

    def session(self, request):
        security = SessionSecurity(request["flags"], _decode(request["key"]), source=request["source"])
        self.http_session.auth.session_security = security
        return {}

    def encrypt(self, request):
        prepared = self.encryption.prepare_encrypted_request(
            self.http_session, ENDPOINT, _decode(request["message"])
        )
        return {"body": _encode(prepared.body), "contentType": prepared.headers["Content-Type"]}

    def decrypt(self, request):
        response = _Response(_decode(request["body"]), request["contentType"])
        message = self.encryption.parse_encrypted_response(response)
        if isinstance(message, str):
            message = message.encode("utf-8")
        return {"message": _encode(message)}

    def wrap(self, request):
        sealed, signature = self.http_session.auth.session_security.wrap(_decode(request["message"]))
        return {"sealed": _encode(sealed), "signature": _encode(signature)}

    def unwrap(self, request):
        message = self.http_session.auth.session_security.unwrap(
            _decode(request["sealed"]), _decode(request["signature"])
        )
        return {"message": _encode(message)}


def _encode(data):
    return base64.b64encode(data).decode("ascii")


def _decode(text):
    return base64.b64decode(text)


def main():
    peer = Peer()
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
            if request["op"] not in OPERATIONS:
                raise ValueError("unknown op %r" % request["op"])
            reply = getattr(peer, request["op"])(request)
        except Exception as error:  # every failure goes back to the test as a reply
            reply = {"error": "%s: %s" % (type(error).__name__, error)}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
