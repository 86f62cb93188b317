import { expect } from "chai";
import Docker from "dockerode";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import * as os from "os";
import * as path from "path";
import {
    buildDockerOptions,
    DEFAULT_API_VERSION,
    DEFAULT_TIMEOUT_MS,
} from "../../../provider/docker/connection";
import { MaterialError, setProviderConfig } from "../../../provider/host/config";
import type { DockerEndpointSpec } from "../../../provider/host/spec";

/** The connection fields docker-modem keeps on the client, which decide where requests go. */
interface ModemFields {
    host?: string;
    port?: number | string;
    protocol?: string;
    socketPath?: unknown;
    ca?: unknown;
    cert?: unknown;
    key?: unknown;
    timeout?: number;
    version?: string;
    agent?: unknown;
    username?: string;
    sshOptions?: Record<string, unknown>;
}

function modemOf(endpoint: DockerEndpointSpec, simulated?: { host: string; port: number }): ModemFields {
    return new Docker(buildDockerOptions(endpoint, simulated)).modem as unknown as ModemFields;
}

// PEM-shaped text; the tests compare bytes and never open a TLS connection with it.
function pem(label: string, body: string): string {
    return `-----BEGIN ${label}-----\n${Buffer.from(body).toString("base64")}\n-----END ${label}-----\n`;
}

const SPEC_CA = pem("CERTIFICATE", "spec ca");
const SPEC_CERT = pem("CERTIFICATE", "spec client cert");
const SPEC_KEY = pem("PRIVATE KEY", "spec client key");

const DOCKER_VARIABLES = [
    "DOCKER_HOST",
    "DOCKER_TLS_VERIFY",
    "DOCKER_CERT_PATH",
    "DOCKER_CLIENT_TIMEOUT",
] as const;

describe("buildDockerOptions", () => {
    let directory: string;
    let specFiles: { caFile: string; certFile: string; keyFile: string };
    let envCa: string;
    const savedEnvironment: Record<string, string | undefined> = {};

    before(() => {
        directory = fs.mkdtempSync(path.join(os.tmpdir(), "wcn-connection-"));
        const envCerts = path.join(directory, "env-certs");
        fs.mkdirSync(envCerts);
        envCa = pem("CERTIFICATE", "ci agent ca");
        fs.writeFileSync(path.join(envCerts, "ca.pem"), envCa);
        fs.writeFileSync(path.join(envCerts, "cert.pem"), pem("CERTIFICATE", "ci agent cert"));
        fs.writeFileSync(path.join(envCerts, "key.pem"), pem("PRIVATE KEY", "ci agent key"));
        specFiles = {
            caFile: path.join(directory, "ca.pem"),
            certFile: path.join(directory, "cert.pem"),
            keyFile: path.join(directory, "key.pem"),
        };
        fs.writeFileSync(specFiles.caFile, SPEC_CA);
        fs.writeFileSync(specFiles.certFile, SPEC_CERT);
        fs.writeFileSync(specFiles.keyFile, SPEC_KEY);

        for (const name of DOCKER_VARIABLES) {
            savedEnvironment[name] = process.env[name];
        }
        // A CI agent's Docker environment: another engine with its own client certificate.
        process.env.DOCKER_HOST = "tcp://ci-docker.invalid:2376";
        process.env.DOCKER_TLS_VERIFY = "1";
        process.env.DOCKER_CERT_PATH = envCerts;
        process.env.DOCKER_CLIENT_TIMEOUT = "7";
    });

    after(() => {
        for (const name of DOCKER_VARIABLES) {
            if (savedEnvironment[name] === undefined) {
                delete process.env[name];
            } else {
                process.env[name] = savedEnvironment[name];
            }
        }
        setProviderConfig({ get: () => undefined });
        fs.rmSync(directory, { recursive: true, force: true });
    });

    afterEach(() => {
        setProviderConfig({ get: () => undefined });
    });

    it("the environment reaches a client built without options", () => {
        const modem = new Docker().modem as unknown as ModemFields;
        expect(modem.host).to.equal("ci-docker.invalid");
        expect(modem.protocol).to.equal("https");
        expect(String(modem.ca)).to.include(envCa.trim().split("\n")[1]);
        expect(modem.timeout).to.equal(7);
    });

    describe("ignores the DOCKER_* environment", () => {
        it("unix socket", () => {
            const modem = modemOf({ url: "unix:///run/wcn/docker.sock" });
            expect(modem.socketPath).to.equal("/run/wcn/docker.sock");
            expect(modem.host).to.equal(undefined);
            expect(modem.port).to.equal(undefined);
            expect(modem.protocol).to.equal("http");
            expect(modem.ca).to.equal(undefined);
            expect(modem.cert).to.equal(undefined);
            expect(modem.key).to.equal(undefined);
            expect(modem.timeout).to.equal(DEFAULT_TIMEOUT_MS);
        });

        it("named pipe", () => {
            const modem = modemOf({ url: "npipe:////./pipe/docker_engine" });
            expect(modem.socketPath).to.equal("//./pipe/docker_engine");
            expect(modem.host).to.equal(undefined);
            expect(modem.protocol).to.equal("http");
            expect(modem.ca).to.equal(undefined);
        });

        it("named pipe without path", () => {
            expect(modemOf({ url: "npipe://" }).socketPath).to.equal("//./pipe/docker_engine");
        });

        it("named pipe with backslashes", () => {
            expect(modemOf({ url: "npipe://\\\\.\\pipe\\docker_engine_windows" }).socketPath).to.equal(
                "//./pipe/docker_engine_windows",
            );
        });

        it("tcp with TLS files", () => {
            const modem = modemOf({ url: "tcp://web-01:2376", timeoutMs: 15000, tls: specFiles });
            expect(modem.host).to.equal("web-01");
            expect(modem.port).to.equal(2376);
            expect(modem.protocol).to.equal("https");
            expect(modem.socketPath).to.equal(undefined);
            expect(String(modem.ca)).to.equal(SPEC_CA);
            expect(String(modem.cert)).to.equal(SPEC_CERT);
            expect(String(modem.key)).to.equal(SPEC_KEY);
            expect(modem.timeout).to.equal(15000);
        });

        it("tcp with TLS disabled", () => {
            const modem = modemOf({ url: "tcp://lab-01", tls: { disabled: true } });
            expect(modem.host).to.equal("lab-01");
            expect(modem.port).to.equal(2375);
            expect(modem.protocol).to.equal("http");
            expect(modem.ca).to.equal(undefined);
            expect(modem.cert).to.equal(undefined);
            expect(modem.key).to.equal(undefined);
        });

        it("tcp with TLS and default port", () => {
            expect(modemOf({ url: "tcp://web-01", tls: specFiles }).port).to.equal(2376);
        });

        it("tcp with another port", () => {
            expect(modemOf({ url: "tcp://web-01:12376", tls: specFiles }).port).to.equal(12376);
        });

        it("ssh", () => {
            const modem = modemOf({ url: "ssh://admin@web-01", ssh: { keyFile: specFiles.keyFile } });
            expect(modem.protocol).to.equal("ssh");
            expect(modem.host).to.equal("web-01");
            expect(modem.port).to.equal(22);
            expect(modem.username).to.equal("admin");
            expect(String(modem.sshOptions?.privateKey)).to.equal(SPEC_KEY);
            expect(modem.ca).to.equal(undefined);
            expect(modem.cert).to.equal(undefined);
        });

        it("ssh with port and encoded user", () => {
            const modem = modemOf({
                url: "ssh://corp%5Cadmin@web-01:2222",
                ssh: { keyFile: specFiles.keyFile },
            });
            expect(modem.port).to.equal(2222);
            expect(modem.username).to.equal("corp\\admin");
        });

        it("simulated engine", () => {
            const modem = modemOf({ url: "sim:///tmp/host.json" }, { host: "127.0.0.1", port: 41234 });
            expect(modem.host).to.equal("127.0.0.1");
            expect(modem.port).to.equal(41234);
            expect(modem.protocol).to.equal("http");
            expect(modem.ca).to.equal(undefined);
        });
    });

    it("a simulated endpoint needs its engine started", () => {
        expect(() => buildDockerOptions({ url: "sim:///tmp/host.json" })).to.throw(
            /simulated engine started first/,
        );
    });

    it("rejects a URL that does not parse", () => {
        expect(() => buildDockerOptions({ url: "tcp://web 01:2376" })).to.throw(
            /host\.docker\.url tcp:\/\/web 01:2376 is not a valid URL/,
        );
    });

    it("rejects an unsupported scheme", () => {
        expect(() => buildDockerOptions({ url: "http://web-01:2375" })).to.throw(/unsupported scheme http:/);
    });

    describe("API version", () => {
        const CASES: [string, string | undefined, string][] = [
            ["default", undefined, `v${DEFAULT_API_VERSION}`],
            ["plain", "1.41", "v1.41"],
            ["with v prefix", "v1.41", "v1.41"],
        ];
        for (const [name, apiVersion, expected] of CASES) {
            it(name, () => {
                expect(modemOf({ url: "unix:///run/wcn/docker.sock", apiVersion }).version).to.equal(
                    expected,
                );
            });
        }

        it("prefixes the request path", async () => {
            const socketPath = path.join(directory, "engine.sock");
            const paths: string[] = [];
            const server = http.createServer((request, response) => {
                paths.push(request.url ?? "");
                response.setHeader("Content-Type", "application/json");
                response.end(JSON.stringify({ ApiVersion: "1.41", Os: "linux" }));
            });
            await new Promise<void>((resolve) => server.listen(socketPath, resolve));
            try {
                const docker = new Docker(
                    buildDockerOptions({ url: `unix://${socketPath}`, apiVersion: "1.41" }),
                );
                const version = (await docker.version()) as unknown as { ApiVersion: string };
                expect(version.ApiVersion).to.equal("1.41");
                expect(paths).to.deep.equal(["/v1.41/version"]);
            } finally {
                await new Promise<void>((resolve) => server.close(() => resolve()));
            }
        });
    });

    describe("TLS material from stack configuration", () => {
        it("reads CA, certificate and key from config keys", () => {
            const values: Record<string, string> = {
                "wcn:ca": SPEC_CA,
                "wcn:cert": SPEC_CERT,
                "wcn:key": SPEC_KEY,
            };
            setProviderConfig({ get: (key) => values[key] });
            const modem = modemOf({
                url: "tcp://web-01:2376",
                tls: { caConfigKey: "wcn:ca", certConfigKey: "wcn:cert", keyConfigKey: "wcn:key" },
            });
            expect(String(modem.ca)).to.equal(SPEC_CA);
            expect(String(modem.cert)).to.equal(SPEC_CERT);
            expect(String(modem.key)).to.equal(SPEC_KEY);
            expect(modem.protocol).to.equal("https");
        });

        it("prefers the config key to the file", () => {
            const configKey = "-----BEGIN PRIVATE KEY-----\nconfig key\n-----END PRIVATE KEY-----\n";
            setProviderConfig({ get: (key) => (key === "wcn:key" ? configKey : undefined) });
            const modem = modemOf({
                url: "tcp://web-01:2376",
                tls: { ...specFiles, keyConfigKey: "wcn:key" },
            });
            expect(String(modem.key)).to.equal(configKey);
        });

        it("rejects key material that is not PEM without showing it", () => {
            setProviderConfig({ get: (key) => (key === "wcn:key" ? "not-a-pem-secret" : undefined) });
            let error = new Error("no error was thrown");
            try {
                buildDockerOptions({
                    url: "tcp://web-01:2376",
                    tls: { ...specFiles, keyConfigKey: "wcn:key" },
                });
            } catch (caught) {
                error = caught as Error;
            }
            expect(error.message).to.match(/keyConfigKey names the stack configuration key "wcn:key"/);
            expect(error.message).to.match(/does not contain PEM data/);
            expect(error.message).not.to.include("not-a-pem-secret");
        });

        it("reads the ssh key from a config key", () => {
            setProviderConfig({ get: (key) => (key === "wcn:sshKey" ? SPEC_KEY : undefined) });
            const modem = modemOf({ url: "ssh://admin@web-01", ssh: { keyConfigKey: "wcn:sshKey" } });
            expect(String(modem.sshOptions?.privateKey)).to.equal(SPEC_KEY);
        });
    });

    describe("missing material", () => {
        function materialError(endpoint: DockerEndpointSpec): MaterialError {
            try {
                buildDockerOptions(endpoint);
            } catch (error) {
                if (error instanceof MaterialError) {
                    return error;
                }
                throw error;
            }
            throw new Error("expected a MaterialError, but the options were built");
        }

        it("a missing key file names the setting and path", () => {
            const missing = path.join(directory, "missing-key.pem");
            const error = materialError({
                url: "tcp://web-01:2376",
                tls: { ...specFiles, keyFile: missing },
            });
            expect(error.message).to.match(/^host\.docker\.tls\.keyFile names the file /);
            expect(error.message).to.include(missing);
            expect(error.message).to.match(/ENOENT/);
        });

        it("a missing key file does not show the material read before it", () => {
            const error = materialError({
                url: "tcp://web-01:2376",
                tls: { ...specFiles, keyFile: path.join(directory, "missing-key.pem") },
            });
            expect(error.message).to.not.include("BEGIN");
            expect(error.message).to.not.include(SPEC_CERT.split("\n")[1]);
        });

        it("a directory as CA file", () => {
            const error = materialError({
                url: "tcp://web-01:2376",
                tls: { ...specFiles, caFile: directory },
            });
            expect(error.message).to.match(/^host\.docker\.tls\.caFile names the file /);
            expect(error.message).to.match(/EISDIR/);
        });

        it("an unset config key names the setting and key", () => {
            const values: Record<string, string> = { "wcn:ca": SPEC_CA };
            setProviderConfig({ get: (key) => values[key] });
            const error = materialError({
                url: "tcp://web-01:2376",
                tls: { caConfigKey: "wcn:ca", certConfigKey: "wcn:clientCert", keyFile: specFiles.keyFile },
            });
            expect(error.message).to.match(
                /^host\.docker\.tls\.certConfigKey names the stack configuration key "wcn:clientCert", which is not set/,
            );
            expect(error.message).to.match(/pulumi config set --secret wcn:clientCert/);
            expect(error.message).to.not.include(SPEC_CA.split("\n")[1]);
        });

        it("an empty config key counts as unset", () => {
            setProviderConfig({ get: () => "" });
            const error = materialError({ url: "ssh://admin@web-01", ssh: { keyConfigKey: "wcn:sshKey" } });
            expect(error.message).to.match(
                /^host\.docker\.ssh\.keyConfigKey names the stack configuration key "wcn:sshKey"/,
            );
        });
    });

    describe("insecureSkipVerify", () => {
        it("sets an agent that does not verify the server", () => {
            const options = buildDockerOptions({
                url: "tcp://web-01:2376",
                tls: { ...specFiles, insecureSkipVerify: true },
            });
            const agent = (options as { agent?: unknown }).agent;
            expect(agent).to.be.instanceOf(https.Agent);
            expect((agent as https.Agent).options.rejectUnauthorized).to.equal(false);
        });

        it("hands the agent to the client", () => {
            const modem = modemOf({
                url: "tcp://web-01:2376",
                tls: { certFile: specFiles.certFile, keyFile: specFiles.keyFile, insecureSkipVerify: true },
            });
            expect(modem.agent).to.be.instanceOf(https.Agent);
            expect(modem.ca).to.equal(undefined);
            expect(modem.protocol).to.equal("https");
        });

        it("sets no agent by default", () => {
            expect(modemOf({ url: "tcp://web-01:2376", tls: specFiles }).agent).to.equal(undefined);
        });
    });
});
