import type Docker from "dockerode";
import * as https from "https";
import type { DockerEndpointSpec } from "../host/spec";
import { readMaterial } from "../host/config";

export const DEFAULT_API_VERSION = "1.40";
export const DEFAULT_TIMEOUT_MS = 60_000;

/** Loopback address of a `sim:` endpoint's simulated engine, filled in by the caller that started it. */
export interface LoopbackAddress {
    host: string;
    port: number;
}

/**
 * Builds dockerode options from the endpoint alone. Every connection key is set explicitly (to
 * undefined where unused) because docker-modem fills keys that are absent from DOCKER_HOST,
 * DOCKER_TLS_VERIFY, DOCKER_CERT_PATH and DOCKER_CLIENT_TIMEOUT, which on a CI agent would point
 * the provider at another engine or attach other credentials.
 */
export function buildDockerOptions(
    endpoint: DockerEndpointSpec,
    simulated?: LoopbackAddress,
): Docker.DockerOptions {
    const base: Docker.DockerOptions = {
        socketPath: undefined,
        host: undefined,
        port: undefined,
        protocol: undefined,
        ca: undefined,
        cert: undefined,
        key: undefined,
        username: undefined,
        sshOptions: undefined,
        timeout: endpoint.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        version: `v${(endpoint.apiVersion ?? DEFAULT_API_VERSION).replace(/^v/, "")}`,
    };
    // Pipe paths are often written with backslashes, which the URL parser rejects.
    if (endpoint.url.startsWith("npipe:")) {
        return { ...base, socketPath: npipePath(endpoint.url) };
    }
    const url = parseEndpointUrl(endpoint.url);
    switch (url.protocol) {
        case "unix:":
            return { ...base, socketPath: decodeURIComponent(url.pathname) };
        case "sim:":
            if (!simulated) {
                throw new Error("a sim: endpoint needs its simulated engine started first");
            }
            return { ...base, host: simulated.host, port: simulated.port, protocol: "http" };
        case "ssh:":
            return sshOptions(endpoint, url, base);
        case "tcp:":
            return tcpOptions(endpoint, url, base);
        default:
            throw new Error(`host.docker.url ${endpoint.url} has an unsupported scheme ${url.protocol}`);
    }
}

function parseEndpointUrl(text: string): URL {
    try {
        return new URL(text);
    } catch {
        throw new Error(
            `host.docker.url ${text} is not a valid URL; use the form tcp://HOST:2376 or ssh://USER@HOST`,
        );
    }
}

function npipePath(text: string): string {
    const rest = text.slice("npipe://".length);
    return rest === "" ? "//./pipe/docker_engine" : rest.replace(/\\/g, "/");
}

function tcpOptions(
    endpoint: DockerEndpointSpec,
    url: URL,
    base: Docker.DockerOptions,
): Docker.DockerOptions {
    const tls = endpoint.tls ?? {};
    const port = url.port === "" ? (tls.disabled ? 2375 : 2376) : Number(url.port);
    if (tls.disabled) {
        return { ...base, host: url.hostname, port, protocol: "http" };
    }
    const options = {
        ...base,
        host: url.hostname,
        port,
        protocol: "https" as const,
        ca: readMaterial("host.docker.tls.ca", tls.caFile, tls.caConfigKey),
        cert: readMaterial("host.docker.tls.cert", tls.certFile, tls.certConfigKey),
        key: readMaterial("host.docker.tls.key", tls.keyFile, tls.keyConfigKey),
    };
    if (tls.insecureSkipVerify) {
        // docker-modem hands its `agent` to https.request, so verification is switched off there.
        return { ...options, agent: new https.Agent({ rejectUnauthorized: false }) } as Docker.DockerOptions;
    }
    return options;
}

function sshOptions(
    endpoint: DockerEndpointSpec,
    url: URL,
    base: Docker.DockerOptions,
): Docker.DockerOptions {
    const privateKey = readMaterial("host.docker.ssh.key", endpoint.ssh?.keyFile, endpoint.ssh?.keyConfigKey);
    return {
        ...base,
        host: url.hostname,
        port: url.port === "" ? 22 : Number(url.port),
        protocol: "ssh",
        username: decodeURIComponent(url.username),
        sshOptions: { privateKey, agent: undefined } as Docker.DockerOptions["sshOptions"],
    };
}

/** Dockerode option keys whose values must never be logged or put in an error message. */
export const SECRET_OPTION_KEYS = ["key", "cert", "ca", "sshOptions", "password"];
