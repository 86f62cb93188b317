// WinRM host settings as plain data, and the runner built from them with secrets read from the
// stack configuration at the moment of use.

import { readMaterial, readSecret } from "../host/config";
import { BasicAuthentication, type WinRmAuthentication } from "./auth";
import { WinRmError } from "./faults";
import { NtlmAuthentication } from "./negotiate";
import { WinRmRunner, type WinRmRunnerOptions } from "./runner";
import type { TlsVerification } from "./transport";

/** Connection settings of a host's WinRM service. They contain no secret, only config key names. */
export interface WinRmHostSettings {
    /** Endpoint URL, such as `https://host.example:5986/wsman`. */
    endpoint: string;
    /** Authentication scheme. `basic` needs https unless `allowUnencrypted` is set. */
    auth: "basic" | "ntlm";
    username: string;
    /** Stack configuration key that contains the password, set with `pulumi config set --secret`. */
    passwordConfigKey: string;
    /** NTLM domain; empty or missing for a local account. */
    domain?: string;
    /** PEM file of the CA that issued the listener certificate. */
    caFile?: string;
    /** Stack configuration key that contains the PEM text of that CA. */
    caConfigKey?: string;
    /** SHA-256 fingerprint of the listener certificate, in place of a CA. */
    certificateFingerprintSha256?: string;
    /** Host name to check the certificate against, when it differs from the endpoint's host. */
    tlsServerName?: string;
    /**
     * Permits Basic over plain http, which sends the password in clear text. Off by default. NTLM
     * needs no opt-in, because it encrypts every message over plain http.
     */
    allowUnencrypted?: boolean;
    /** Seconds the service may hold one request. Default 20. */
    operationTimeoutSec?: number;
    /** Largest envelope in bytes; keep it at or below the service's MaxEnvelopeSizekb × 1024. Default 153600. */
    maxEnvelopeSize?: number;
    /** Shells this process may keep open on the host. Default 5. */
    maxShellsPerHost?: number;
}

/** Builds the authentication scheme of a host from its settings and password. */
export type AuthenticationFactory = (settings: WinRmHostSettings, password: string) => WinRmAuthentication;

const factories = new Map<string, AuthenticationFactory>([
    ["basic", (settings, password) => new BasicAuthentication(settings.username, password)],
    [
        "ntlm",
        (settings, password) =>
            new NtlmAuthentication({ username: settings.username, password, domain: settings.domain }),
    ],
]);

/** Registers the factory of an authentication scheme such as `ntlm`, `kerberos` or `certificate`. */
export function registerAuthentication(scheme: string, factory: AuthenticationFactory): void {
    factories.set(scheme, factory);
}

/**
 * Builds a WinRM runner from host settings. The password and CA are read from the stack
 * configuration now, and errors name the setting, never its value.
 */
export function createWinRmRunner(
    settings: WinRmHostSettings,
    extra: Pick<WinRmRunnerOptions, "log" | "retry" | "executable"> = {},
): WinRmRunner {
    const factory = factories.get(settings.auth);
    if (factory === undefined) {
        throw new WinRmError(
            "configuration",
            `host.winrm.auth "${settings.auth}" is not available; use one of: ${[...factories.keys()].join(", ")}`,
        );
    }
    const password = readSecret("host.winrm.passwordConfigKey", settings.passwordConfigKey);
    return new WinRmRunner({
        client: {
            endpoint: settings.endpoint,
            authentication: factory(settings, password),
            tls: tlsVerification(settings),
            allowUnencrypted: settings.allowUnencrypted,
            operationTimeoutSec: settings.operationTimeoutSec,
            maxEnvelopeSize: settings.maxEnvelopeSize,
        },
        maxShellsPerHost: settings.maxShellsPerHost,
        ...extra,
    });
}

function tlsVerification(settings: WinRmHostSettings): TlsVerification {
    return {
        ca: readMaterial("host.winrm.ca", settings.caFile, settings.caConfigKey),
        fingerprintSha256: settings.certificateFingerprintSha256,
        servername: settings.tlsServerName,
    };
}
