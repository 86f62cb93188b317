// Test certificates made with the openssl command, and a TLS front for the simulated engine, so
// that the provider's tcp:// path runs real mutual TLS against a server in this process.

import { execFileSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import * as tls from "tls";

/** PEM files of a test certificate authority, a server certificate for 127.0.0.1 and a client certificate. */
export interface TestCertificates {
    caFile: string;
    serverCertFile: string;
    serverKeyFile: string;
    clientCertFile: string;
    clientKeyFile: string;
}

function openssl(args: string[], cwd: string): void {
    execFileSync("openssl", args, { cwd, stdio: "pipe" });
}

/** Returns true when the openssl command can be run. */
export function opensslAvailable(): boolean {
    try {
        execFileSync("openssl", ["version"], { stdio: "pipe" });
        return true;
    } catch {
        return false;
    }
}

/** Creates a CA and a server and a client certificate signed by it, in `dir`. */
export function makeCertificates(dir: string, caName = "wcn-test-ca"): TestCertificates {
    const curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    openssl(
        [
            "req",
            "-x509",
            ...curve,
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            `/CN=${caName}`,
        ],
        dir,
    );
    issue(dir, "server", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n", curve);
    issue(dir, "client", "extendedKeyUsage=clientAuth\n", curve);
    return {
        caFile: path.join(dir, "ca.pem"),
        serverCertFile: path.join(dir, "server.pem"),
        serverKeyFile: path.join(dir, "server.key"),
        clientCertFile: path.join(dir, "client.pem"),
        clientKeyFile: path.join(dir, "client.key"),
    };
}

function issue(dir: string, name: string, extensions: string, curve: string[]): void {
    fs.writeFileSync(path.join(dir, `${name}.ext`), extensions);
    openssl(
        ["req", ...curve, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=wcn-test-${name}`],
        dir,
    );
    openssl(
        ["x509", "-req", "-in", `${name}.csr`, "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial"].concat(
            ["-out", `${name}.pem`, "-days", "2", "-extfile", `${name}.ext`],
        ),
        dir,
    );
}

/** A TLS listener on 127.0.0.1 that requires a client certificate and forwards to a plain TCP port. */
export interface TlsFront {
    port: number;
    close(): Promise<void>;
}

/** Starts a mutual-TLS front that forwards each connection to `127.0.0.1:targetPort`. */
export async function startTlsFront(certificates: TestCertificates, targetPort: number): Promise<TlsFront> {
    const sockets = new Set<net.Socket>();
    const server = tls.createServer(
        {
            cert: fs.readFileSync(certificates.serverCertFile),
            key: fs.readFileSync(certificates.serverKeyFile),
            ca: fs.readFileSync(certificates.caFile),
            requestCert: true,
            rejectUnauthorized: true,
        },
        (client) => {
            const upstream = net.connect(targetPort, "127.0.0.1");
            for (const socket of [client, upstream]) {
                sockets.add(socket);
                socket.on("close", () => sockets.delete(socket));
                socket.on("error", () => undefined);
            }
            client.pipe(upstream).pipe(client);
        },
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
        port: (server.address() as net.AddressInfo).port,
        close: () =>
            new Promise<void>((resolve) => {
                sockets.forEach((socket) => socket.destroy());
                server.close(() => resolve());
            }),
    };
}
