"""A real SMTP server for the tests of package notify: aiosmtpd (Debian's
python3-aiosmtpd) on 127.0.0.1, a free port, STARTTLS with the given
certificate, and AUTH (PLAIN, LOGIN) required with one user.

    python3 smtpd.py CERT KEY OUT USER PASSWORD

prints "port N" once it listens, then appends one JSON line per accepted
message to OUT: envelope sender and recipients, the message, the login that
authenticated, and whether the session was over TLS. Recipients at
refused.example are refused (550). It runs until killed.
"""
import asyncio
import json
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

cert, key, out, user, password = sys.argv[1:6]


class Handler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        # A mailbox that does not exist, for the tests of refused recipients.
        if address.endswith("@refused.example"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        rec = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "data": envelope.content.decode("utf-8", "replace"),
            "login": session.auth_data.login.decode() if session.auth_data else None,
            "tls": session.ssl is not None,
        }
        with open(out, "a") as f:
            f.write(json.dumps(rec) + "\n")
        return "250 OK"


def authenticate(server, session, envelope, mechanism, data):
    ok = (isinstance(data, LoginPassword)
          and data.login == user.encode() and data.password == password.encode())
    # handled=False: a failure is answered with 535 by aiosmtpd itself.
    return AuthResult(success=ok, handled=False, auth_data=data if ok else None)


async def main():
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    loop = asyncio.get_running_loop()
    srv = await loop.create_server(
        lambda: SMTP(Handler(), hostname="smtp.test", tls_context=ctx, require_starttls=True,
                     auth_required=True, auth_require_tls=True, authenticator=authenticate, loop=loop),
        "127.0.0.1", 0)
    print("port", srv.sockets[0].getsockname()[1], flush=True)
    await srv.serve_forever()


asyncio.run(main())
