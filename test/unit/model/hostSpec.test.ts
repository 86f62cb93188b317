import { expect } from "chai";
import { FailureList, type InputFailure } from "../../../provider/model/failures";
import { validateHostSpec } from "../../../provider/model/hostSpec";

const TLS_DOCKER = {
    url: "tcp://web-01:2376",
    tls: { caFile: "/etc/wcn/ca.pem", certFile: "/etc/wcn/cert.pem", keyFile: "/etc/wcn/key.pem" },
};

const WINRM_HTTPS = {
    transport: "winrm",
    endpoint: "https://web-01:5986/wsman",
    auth: "basic",
    username: "wcn",
    passwordConfigKey: "web01Password",
};

const SSH = { transport: "ssh", host: "web-01", user: "wcn", keyFile: "/home/ci/.ssh/id_ed25519" };

/** Returns a host on the TLS Docker endpoint with `powershell` as its PowerShell channel. */
function tlsHost(powershell: unknown): Record<string, unknown> {
    return { name: "web-01", docker: TLS_DOCKER, powershell };
}

function winrm(changes: Record<string, unknown>): Record<string, unknown> {
    return tlsHost({ ...WINRM_HTTPS, ...changes });
}

function ssh(changes: Record<string, unknown>): Record<string, unknown> {
    return tlsHost({ ...SSH, ...changes });
}

function failuresOf(host: unknown): InputFailure[] {
    const failures = new FailureList();
    validateHostSpec(host, failures);
    return failures.items;
}

function describeFailures(failures: InputFailure[]): string {
    return failures.length === 0
        ? "no failures"
        : failures.map((failure) => `${failure.property}: ${failure.reason}`).join("\n");
}

const GOOD: [string, Record<string, unknown>][] = [
    ["no powershell spec", { name: "web-01", docker: TLS_DOCKER }],
    ["winrm https basic", winrm({})],
    ["winrm https ntlm with domain", winrm({ auth: "ntlm", domain: "CORP" })],
    ["winrm http ntlm", winrm({ endpoint: "http://web-01:5985/wsman", auth: "ntlm" })],
    ["winrm http basic opted in", winrm({ endpoint: "http://lab-01:5985/wsman", allowUnencrypted: true })],
    ["winrm with CA file", winrm({ caFile: "/etc/wcn/winrm-ca.pem" })],
    ["winrm with CA config key", winrm({ caConfigKey: "winrmCa" })],
    ["winrm with fingerprint", winrm({ certificateFingerprintSha256: `${"AB:".repeat(31)}AB` })],
    ["ssh with key file", ssh({})],
    [
        "ssh with every option",
        ssh({
            keyFile: undefined,
            keyConfigKey: "web01Key",
            port: 2222,
            knownHostsFile: "/etc/wcn/known_hosts",
            pwshPath: "/usr/bin/pwsh",
            user: "CORP\\wcn",
        }),
    ],
    ["local", tlsHost({ transport: "local" })],
    ["local with executable", tlsHost({ transport: "local", executable: "powershell.exe" })],
    [
        "simulated on sim url",
        { name: "sim", docker: { url: "sim:///tmp/host.json" }, powershell: { transport: "simulated" } },
    ],
];

interface BadCase {
    name: string;
    host: Record<string, unknown>;
    property: string;
    reason: RegExp[];
}

const BAD: BadCase[] = [
    {
        name: "powershell not an object",
        host: tlsHost("winrm"),
        property: "host.powershell",
        reason: [/must be an object/, /transport: "winrm"/],
    },
    {
        name: "unknown transport",
        host: tlsHost({ transport: "psrp" }),
        property: "host.powershell.transport",
        reason: [/"psrp" is not a PowerShell transport/, /"winrm", "ssh", "local", "simulated"/],
    },
    {
        name: "winrm without endpoint",
        host: winrm({ endpoint: undefined }),
        property: "host.powershell.endpoint",
        reason: [/is not a WinRM endpoint URL/, /https:\/\/HOST:5986\/wsman/],
    },
    {
        name: "winrm endpoint with ftp scheme",
        host: winrm({ endpoint: "ftp://web-01:5986/wsman" }),
        property: "host.powershell.endpoint",
        reason: [/is not a WinRM endpoint URL/],
    },
    {
        name: "winrm endpoint without wsman path",
        host: winrm({ endpoint: "https://web-01:5986/" }),
        property: "host.powershell.endpoint",
        reason: [/has the path "\/"/, /\/wsman/],
    },
    {
        name: "winrm https on http port",
        host: winrm({ endpoint: "https://web-01:5985/wsman" }),
        property: "host.powershell.endpoint",
        reason: [/port 5985/, /http port/],
    },
    {
        name: "winrm http on https port",
        host: winrm({ endpoint: "http://web-01:5986/wsman", auth: "ntlm" }),
        property: "host.powershell.endpoint",
        reason: [/port 5986/, /https port/],
    },
    {
        name: "winrm endpoint with credentials",
        host: winrm({ endpoint: "https://wcn:hunter2@web-01:5986/wsman" }),
        property: "host.powershell.endpoint",
        reason: [/must not contain credentials/, /passwordConfigKey/],
    },
    {
        name: "winrm unknown auth",
        host: winrm({ auth: "kerberos" }),
        property: "host.powershell.auth",
        reason: [/"kerberos" is not a WinRM authentication scheme/, /"basic" or "ntlm"/],
    },
    {
        name: "winrm http basic without opt-in",
        host: winrm({ endpoint: "http://web-01:5985/wsman" }),
        property: "host.powershell.auth",
        reason: [
            /sends the password in the clear/,
            /https:\/\/HOST:5986\/wsman/,
            /"ntlm"/,
            /allowUnencrypted/,
        ],
    },
    {
        name: "winrm without username",
        host: winrm({ username: "" }),
        property: "host.powershell.username",
        reason: [/is required/],
    },
    {
        name: "winrm without passwordConfigKey",
        host: winrm({ passwordConfigKey: undefined }),
        property: "host.powershell.passwordConfigKey",
        reason: [/is required/, /pulumi config set --secret/],
    },
    {
        name: "winrm password field",
        host: winrm({ password: "hunter2" }),
        property: "host.powershell.password",
        reason: [/is not accepted/, /passwordConfigKey/, /pulumi config set --secret/],
    },
    {
        name: "winrm CA named twice",
        host: winrm({ caFile: "/ca.pem", caConfigKey: "winrmCa" }),
        property: "host.powershell.caConfigKey",
        reason: [/both set/],
    },
    {
        name: "winrm short fingerprint",
        host: winrm({ certificateFingerprintSha256: "AB:CD" }),
        property: "host.powershell.certificateFingerprintSha256",
        reason: [/is not a SHA-256 fingerprint/, /64 hex digits/],
    },
    {
        name: "winrm allowUnencrypted not boolean",
        host: winrm({ allowUnencrypted: "yes" }),
        property: "host.powershell.allowUnencrypted",
        reason: [/"yes" is not a boolean/],
    },
    {
        name: "ssh without host",
        host: ssh({ host: undefined }),
        property: "host.powershell.host",
        reason: [/is not a host name or IP address/],
    },
    {
        name: "ssh host that looks like an option",
        host: ssh({ host: "-oProxyCommand=x y" }),
        property: "host.powershell.host",
        reason: [/is not a host name or IP address/],
    },
    {
        name: "ssh port out of range",
        host: ssh({ port: 70000 }),
        property: "host.powershell.port",
        reason: [/70000 is not a TCP port/, /1 to 65535/],
    },
    {
        name: "ssh without user",
        host: ssh({ user: undefined }),
        property: "host.powershell.user",
        reason: [/is not a user name/],
    },
    {
        name: "ssh without key",
        host: ssh({ keyFile: undefined }),
        property: "host.powershell.keyFile",
        reason: [/is required for ssh/, /keyConfigKey/, /key authentication only/],
    },
    {
        name: "ssh key named twice",
        host: ssh({ keyConfigKey: "web01Key" }),
        property: "host.powershell.keyConfigKey",
        reason: [/both set/],
    },
    {
        name: "ssh password field",
        host: ssh({ password: "hunter2" }),
        property: "host.powershell.password",
        reason: [/passwordConfigKey/, /pulumi config set --secret/],
    },
    {
        name: "local executable empty",
        host: tlsHost({ transport: "local", executable: "" }),
        property: "host.powershell.executable",
        reason: [/is not a non-empty string/],
    },
    {
        name: "simulated on tcp url",
        host: tlsHost({ transport: "simulated" }),
        property: "host.powershell.transport",
        reason: [/needs a sim: Docker URL/, /is a tcp: URL/],
    },
];

describe("validateHostSpec", () => {
    describe("accepts", () => {
        for (const [name, host] of GOOD) {
            it(name, () => {
                const failures = failuresOf(host);
                expect(failures, describeFailures(failures)).to.deep.equal([]);
            });
        }
    });

    describe("rejects", () => {
        for (const bad of BAD) {
            it(bad.name, () => {
                const failures = failuresOf(bad.host);
                const reasons = failures
                    .filter((failure) => failure.property === bad.property)
                    .map((failure) => failure.reason);
                expect(
                    reasons,
                    `failure on ${bad.property} among:\n${describeFailures(failures)}`,
                ).to.not.deep.equal([]);
                for (const pattern of bad.reason) {
                    expect(
                        reasons.some((reason) => pattern.test(reason)),
                        `${pattern} in a reason on ${bad.property}:\n${reasons.join("\n")}`,
                    ).to.equal(true);
                }
            });
        }
    });

    it("never echoes a password value", () => {
        const failures = failuresOf(
            winrm({ password: "hunter2-secret", endpoint: "http://web-01:5985/wsman" }),
        );
        expect(failures).to.not.deep.equal([]);
        for (const failure of failures) {
            expect(failure.reason, failure.property).to.not.contain("hunter2-secret");
        }
    });

    for (const [label, url] of [
        ["a tcp password", "tcp://admin:hunter2-secret@web-01:2376"],
        ["an ssh password", "ssh://admin:hunter2-secret@web-01"],
        ["a query string", "tcp://web-01:2376?password=hunter2-secret"],
    ]) {
        it(`rejects ${label} in the Docker URL`, () => {
            const failures = failuresOf({ name: "web-01", docker: { ...TLS_DOCKER, url } });
            expect(failures.map((failure) => failure.property)).to.deep.equal(["host.docker.url"]);
            expect(failures[0].reason).to.not.contain("hunter2-secret");
        });
    }

    it("rejects settings a host does not have without echoing them", () => {
        const docker = {
            ...TLS_DOCKER,
            password: "hunter2-secret",
            tls: { ...TLS_DOCKER.tls, key: "hunter2-secret" },
        };
        const failures = failuresOf({ name: "web-01", docker, extra: "hunter2-secret" });
        expect(failures.map((failure) => failure.property).sort()).to.deep.equal([
            "host.docker.password",
            "host.docker.tls.key",
            "host.extra",
        ]);
        for (const failure of failures) {
            expect(failure.reason).to.not.contain("hunter2-secret");
        }
    });

    it("accepts a user name in an ssh URL", () => {
        const docker = { url: "ssh://wcn@web-01", ssh: { keyFile: "/home/ci/.ssh/id_ed25519" } };
        expect(failuresOf({ name: "web-01", docker })).to.deep.equal([]);
    });

    it("reports every powershell failure at once", () => {
        const failures = failuresOf(
            tlsHost({ transport: "winrm", endpoint: "http://web-01:5985/wsman", auth: "basic" }),
        );
        const properties = failures.map((failure) => failure.property);
        for (const expected of [
            "host.powershell.username",
            "host.powershell.passwordConfigKey",
            "host.powershell.auth",
        ]) {
            expect(properties, `${expected} among the failures`).to.include(expected);
        }
    });
});
