"""Runs one pywinrm call against a WinRM endpoint and prints the outcome as JSON.

Reads a JSON request on stdin:
  endpoint, username, password, transport ("basic" or "ntlm"), ca_file (optional),
  server_cert_validation ("validate" or "ignore"), message_encryption ("auto", "always", "never"),
  operation_timeout_sec, read_timeout_sec, action ("run_cmd" or "run_ps"), command, args, script.
Prints {"std_out", "std_err", "status_code"} on success, or {"error", "message"} with the
exception's class name. The password is never printed.
"""

import json
import sys

import winrm


def main():
    request = json.load(sys.stdin)
    session = winrm.Session(
        request["endpoint"],
        auth=(request["username"], request["password"]),
        transport=request.get("transport", "basic"),
        server_cert_validation=request.get("server_cert_validation", "validate"),
        ca_trust_path=request.get("ca_file"),
        message_encryption=request.get("message_encryption", "auto"),
        operation_timeout_sec=request.get("operation_timeout_sec", 20),
        read_timeout_sec=request.get("read_timeout_sec", 30),
    )
    try:
        if request["action"] == "run_ps":
            response = session.run_ps(request["script"])
        else:
            response = session.run_cmd(request["command"], request.get("args", []))
    except Exception as error:  # report every failure to the calling test
        message = str(error).replace(request["password"], "<password>")
        print(json.dumps({"error": type(error).__name__, "message": message}))
        return
    print(
        json.dumps(
            {
                "std_out": response.std_out.decode("utf-8", "replace"),
                "std_err": response.std_err.decode("utf-8", "replace"),
                "status_code": response.status_code,
            }
        )
    )


if __name__ == "__main__":
    main()
