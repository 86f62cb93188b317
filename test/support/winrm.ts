// Test helpers for the WinRM suites: a simulated endpoint with test certificates, a TS client
// for it, and pywinrm (Debian python3-winrm) driven through test/support/winrm_pywinrm.py.

import { execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { BasicAuthentication, type WinRmAuthentication } from "../../provider/winrm/auth";
import { WinRmClient, type WinRmClientOptions } from "../../provider/winrm/client";
import {
    startWinRmEndpoint,
    type SimulatedWinRmEndpoint,
    type WinRmEndpointOptions,
} from "../../provider/simulator/winrm/endpoint";
import { defaultExecutor } from "../../provider/simulator/winrm/default-executor";
import { makeCertificates, type TestCertificates } from "./tls";
import { makeTempDir } from "./tempDir";

/** The account every test endpoint accepts. The password is only a test value. */
export const TEST_ACCOUNT = { username: "wcnadmin", password: "Test-Pa55word!" } as const;

/** A started endpoint with what a client needs to reach it. */
export interface TestEndpoint {
    endpoint: SimulatedWinRmEndpoint;
    certificates?: TestCertificates;
    ca?: Buffer;
    close(): Promise<void>;
}

/** Creates test certificates in a new temporary folder. */
export function makeWinRmCertificates(): TestCertificates {
    return makeCertificates(makeTempDir("wcn-winrm-"));
}

/**
 * Starts a simulated endpoint for the test account: HTTPS with `certificates` when given,
 * plain HTTP otherwise. `options` override the defaults, such as the executor or quotas.
 */
export async function startTestEndpoint(
    certificates: TestCertificates | undefined,
    options: Partial<WinRmEndpointOptions> = {},
): Promise<TestEndpoint> {
    const tls =
        certificates === undefined
            ? undefined
            : {
                  cert: fs.readFileSync(certificates.serverCertFile),
                  key: fs.readFileSync(certificates.serverKeyFile),
              };
    const endpoint = await startWinRmEndpoint({
        tls,
        accounts: { [TEST_ACCOUNT.username]: TEST_ACCOUNT.password },
        executor: defaultExecutor(),
        ...options,
    });
    return {
        endpoint,
        certificates,
        ca: certificates === undefined ? undefined : fs.readFileSync(certificates.caFile),
        close: () => endpoint.close(),
    };
}

/** Client options for a test endpoint with Basic and the test CA. */
export function clientOptions(
    test: TestEndpoint,
    overrides: Partial<WinRmClientOptions> = {},
    authentication: WinRmAuthentication = new BasicAuthentication(
        TEST_ACCOUNT.username,
        TEST_ACCOUNT.password,
    ),
): WinRmClientOptions {
    return { endpoint: test.endpoint.url, authentication, tls: { ca: test.ca }, ...overrides };
}

/** Creates a TS client for a test endpoint. */
export function testClient(test: TestEndpoint, overrides: Partial<WinRmClientOptions> = {}): WinRmClient {
    return new WinRmClient(clientOptions(test, overrides));
}

/** Path of the Python interpreter that has Debian's python3-winrm. */
export const SYSTEM_PYTHON = "/usr/bin/python3";

/** Returns why pywinrm cannot run here, or undefined when it can. */
export function pywinrmUnavailableReason(): string | undefined {
    try {
        execFileSync(SYSTEM_PYTHON, ["-c", "import hashlib, winrm, requests_ntlm; hashlib.new('md4', b'')"], {
            stdio: "pipe",
            env: pywinrmEnvironment(),
        });
        return undefined;
    } catch (error) {
        return `${SYSTEM_PYTHON} cannot import winrm and requests_ntlm or lacks MD4 (install the Debian package python3-winrm): ${
            (error as Error).message.split("\n")[0]
        }`;
    }
}

/** One pywinrm call; see test/support/winrm_pywinrm.py for the fields. */
export interface PywinrmRequest {
    endpoint: string;
    username?: string;
    password?: string;
    transport?: "basic" | "ntlm" | "plaintext";
    ca_file?: string;
    server_cert_validation?: "validate" | "ignore";
    message_encryption?: "auto" | "always" | "never";
    operation_timeout_sec?: number;
    read_timeout_sec?: number;
    action: "run_cmd" | "run_ps";
    command?: string;
    args?: string[];
    script?: string;
}

/** Outcome of a pywinrm call. */
export interface PywinrmResult {
    std_out?: string;
    std_err?: string;
    status_code?: number;
    /** Exception class name when the call failed, such as `InvalidCredentialsError`. */
    error?: string;
    message?: string;
}

/** Runs one pywinrm call in a child process, asynchronously so that the endpoint in this process can reply. */
export function runPywinrm(request: PywinrmRequest): Promise<PywinrmResult> {
    const script = path.join(projectRoot(), "test", "support", "winrm_pywinrm.py");
    const input = JSON.stringify({
        username: TEST_ACCOUNT.username,
        password: TEST_ACCOUNT.password,
        ...request,
    });
    return new Promise((resolve, reject) => {
        const child = spawn(SYSTEM_PYTHON, [script], {
            stdio: ["pipe", "pipe", "pipe"],
            env: pywinrmEnvironment(),
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (data: Buffer) => (stdout += data.toString("utf8")));
        child.stderr.on("data", (data: Buffer) => (stderr += data.toString("utf8")));
        child.on("error", reject);
        child.on("close", (code) => {
            try {
                resolve(JSON.parse(stdout) as PywinrmResult);
            } catch {
                reject(
                    new Error(`pywinrm exited with code ${code} without a JSON result: ${stderr || stdout}`),
                );
            }
        });
        child.stdin.end(input);
    });
}

/**
 * Environment for pywinrm: OpenSSL 3 with the legacy provider, because ntlm-auth 1.4 (pywinrm's
 * NTLM on Debian 12) computes the NT hash with hashlib.new('md4').
 */
function pywinrmEnvironment(): NodeJS.ProcessEnv {
    return {
        ...process.env,
        OPENSSL_CONF: path.join(projectRoot(), "test", "support", "openssl-legacy.cnf"),
    };
}

/** Returns the folder that contains package.json, from the compiled or the source location. */
export function projectRoot(): string {
    let folder = __dirname;
    while (!fs.existsSync(path.join(folder, "package.json"))) {
        const parent = path.dirname(folder);
        if (parent === folder) {
            throw new Error(`no package.json above ${__dirname}`);
        }
        folder = parent;
    }
    return folder;
}
