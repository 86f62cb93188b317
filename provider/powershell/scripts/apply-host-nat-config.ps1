# Operation apply-host-nat-config: changes the host's default NAT configuration in daemon.json
# (fixed-cidr, or "bridge": "none" for no default nat network) with the procedure Microsoft
# documents: stop docker, remove the container networks the change requires, edit daemon.json,
# start docker. Every step runs in this one script, so no step waits for another round trip from
# the caller, whose connection may drop in between and leave docker stopped.
#
# Input: set and remove (top-level daemon.json keys, as in write-daemon-json), removeHnsNetworks
# (an array of { id, name } HNS networks to remove while docker is stopped) and timeoutSeconds
# (the wait for the engine after each start, default 120).
#
# When daemon.json would not change and no listed HNS network exists, nothing is touched. When
# docker does not come back with the new daemon.json, the old file is restored and docker is
# started again. Failures after docker was stopped carry a FullyQualifiedErrorId of the form
# <outcome>.<docker state>: HostNatConfigUnchanged (daemon.json was not changed),
# HostNatConfigRolledBack (it was changed and restored) or HostNatConfigRollbackFailed (it still
# has the new content), then DockerRunning or DockerStopped. Removed HNS networks are never
# restored.

$WcnHnsModuleHint = 'import the HostNetworkingService module (or Microsoft''s hns.psm1 helper module on hosts without it) and apply again'

# Builds the error of a failure after docker was stopped, with the outcome marker as its id.
function New-WcnNatConfigError {
    param([string]$Message, [string]$Outcome, [bool]$DockerRunning, [string]$Category)
    $dockerState = 'DockerStopped'
    if ($DockerRunning) {
        $dockerState = 'DockerRunning'
    }
    $exception = New-Object -TypeName InvalidOperationException -ArgumentList $Message
    return (New-Object -TypeName Management.Automation.ErrorRecord -ArgumentList $exception, ($Outcome + '.' + $dockerState), $Category, $null)
}

function Get-WcnTimeoutSeconds {
    param($OperationInput)
    if ($null -eq $OperationInput.timeoutSeconds) {
        return 120
    }
    $seconds = [int]$OperationInput.timeoutSeconds
    if ($seconds -lt 1) {
        throw (New-Object -TypeName ArgumentOutOfRangeException -ArgumentList 'timeoutSeconds', "timeoutSeconds must be at least 1, but it is $seconds")
    }
    return $seconds
}

# Returns the requested HNS networks as { id, name } pairs after checking their shape.
function Get-WcnRequestedNetworks {
    param($OperationInput)
    $requested = @()
    foreach ($item in @($OperationInput.removeHnsNetworks)) {
        if ($null -eq $item) {
            continue
        }
        if ($item -isnot [PSCustomObject] -or [string]::IsNullOrEmpty([string]$item.id)) {
            throw (New-Object -TypeName ArgumentException -ArgumentList 'every removeHnsNetworks item must be an object with an id')
        }
        $requested += [PSCustomObject]@{ id = [string]$item.id; name = [string]$item.name }
    }
    return $requested
}

function Assert-WcnHnsCommands {
    foreach ($name in @('Get-HnsNetwork', 'Remove-HnsNetwork')) {
        if ($null -eq (Get-Command -Name $name -ErrorAction SilentlyContinue)) {
            $message = "$name was not found, so no HNS network can be removed and nothing was changed: $WcnHnsModuleHint"
            $exception = New-Object -TypeName Management.Automation.CommandNotFoundException -ArgumentList $message
            throw (New-Object -TypeName Management.Automation.ErrorRecord -ArgumentList $exception, 'HnsCommandNotFound', 'ObjectNotFound', $name)
        }
    }
}

# Returns the Get-HnsNetwork objects of the requested networks that exist. A requested id that is
# gone is skipped. An id whose network has another name than requested raises an error, because
# the request was made from an outdated view of the host.
function Find-WcnHnsNetworks {
    param($Requested)
    $existing = @(Get-HnsNetwork)
    $found = @()
    foreach ($request in $Requested) {
        foreach ($network in $existing) {
            if ([string]$network.ID -ne $request.id) {
                continue
            }
            if ($request.name -ne '' -and [string]$network.Name -cne $request.name) {
                $message = "HNS network $($request.id) is named `"$($network.Name)`", not `"$($request.name)`", so it was not removed and nothing was changed: read the host's HNS networks again"
                throw (New-Object -TypeName InvalidOperationException -ArgumentList $message)
            }
            $found += $network
        }
    }
    return $found
}

function Test-WcnDaemonJsonEmpty {
    param([string]$Content)
    return ((ConvertTo-Json -InputObject (ConvertFrom-Json -InputObject $Content) -Depth 10 -Compress) -eq '{}')
}

# Starts docker and waits until the service runs and the engine responds to GET /_ping. Returns
# $null when it does. Otherwise returns why it did not (Reason: the Start-Service error, the
# service stopping again or the time limit) and whether the time limit passed (TimedOut).
function Start-WcnDockerAndWait {
    param([int]$TimeoutSeconds)
    $stopwatch = [Diagnostics.Stopwatch]::StartNew()
    try {
        Start-Service -Name 'docker' -WarningAction SilentlyContinue
    } catch {
        return [PSCustomObject]@{ Reason = ('Start-Service docker failed: ' + $_.Exception.Message.TrimEnd('.')); TimedOut = $false }
    }
    while ($stopwatch.Elapsed.TotalSeconds -lt $TimeoutSeconds) {
        $status = [string](Get-Service -Name 'docker').Status
        if ($status -eq 'Running' -and (Test-WcnDockerEngine)) {
            return $null
        }
        # A service that is stopped again after its start has failed, because the engine exited.
        if ($status -eq 'Stopped') {
            return [PSCustomObject]@{ Reason = 'the docker service stopped again right after it started'; TimedOut = $false }
        }
        Start-Sleep -Milliseconds 500
    }
    return [PSCustomObject]@{ Reason = "the Docker engine did not respond to GET /_ping within $TimeoutSeconds s after docker was started"; TimedOut = $true }
}

function Test-WcnDockerRunning {
    return ([string](Get-Service -Name 'docker').Status -eq 'Running')
}

# Puts back the bytes daemon.json had before, or deletes the file when there was none.
function Restore-WcnDaemonJson {
    param([string]$Path, $OldBytes)
    if ($null -eq $OldBytes) {
        if (Test-Path -LiteralPath $Path -PathType Leaf) {
            Remove-Item -LiteralPath $Path -Force
        }
        return
    }
    $temporary = $Path + '.' + [Guid]::NewGuid().ToString('N') + '.tmp'
    [IO.File]::WriteAllBytes($temporary, $OldBytes)
    if (Test-Path -LiteralPath $Path -PathType Leaf) {
        [IO.File]::Replace($temporary, $Path, [NullString]::Value)
    } else {
        [IO.File]::Move($temporary, $Path)
    }
}

function Format-WcnNetworkList {
    param($Networks)
    $names = @()
    foreach ($network in $Networks) {
        $names += "$($network.Name) ($($network.ID))"
    }
    return ($names -join ', ')
}

# Text about the networks removed before a failure, for the error message.
function Get-WcnRemovedNote {
    param($Removed)
    if (@($Removed).Count -eq 0) {
        return 'No HNS network was removed.'
    }
    return ('The removed HNS networks ' + (Format-WcnNetworkList -Networks $Removed) + ' are not restored. The engine re-creates the default nat network when it starts unless daemon.json sets "bridge": "none".')
}

function Get-WcnDockerNote {
    param([bool]$Running)
    if ($Running) {
        return 'docker is running again.'
    }
    return 'docker is NOT running: fix the cause and start it with Start-Service docker.'
}

# Removes the networks. Returns those that are gone afterwards (removed) and, when one still
# exists, the failure text (error).
function Remove-WcnHnsNetworks {
    param($Networks)
    $failure = $null
    try {
        Remove-HnsNetwork -InputObjects $Networks
    } catch {
        $failure = $_.Exception.Message
    }
    $remaining = @()
    $removed = @()
    $after = @(Get-HnsNetwork)
    foreach ($network in $Networks) {
        if (@($after | Where-Object { [string]$_.ID -eq [string]$network.ID }).Count -gt 0) {
            $remaining += $network
        } else {
            $removed += $network
        }
    }
    if ($remaining.Count -gt 0) {
        $reason = 'it still exists afterwards'
        if ($null -ne $failure) {
            $reason = $failure.TrimEnd('.')
        }
        return [PSCustomObject]@{ removed = $removed; error = ('Remove-HnsNetwork failed for ' + (Format-WcnNetworkList -Networks $remaining) + ': ' + $reason) }
    }
    return [PSCustomObject]@{ removed = $removed; error = $null }
}

# Starts docker again after a failure that left daemon.json as it was, then throws.
function Stop-WcnUnchanged {
    param([string]$Reason, $Removed, [int]$TimeoutSeconds)
    $startFailure = Start-WcnDockerAndWait -TimeoutSeconds $TimeoutSeconds
    $running = ($null -eq $startFailure) -and (Test-WcnDockerRunning)
    $message = "$Reason. daemon.json was not changed. " + (Get-WcnRemovedNote -Removed $Removed) + ' ' + (Get-WcnDockerNote -Running $running)
    if ($null -ne $startFailure) {
        $message += " Restarting docker failed: $($startFailure.Reason)."
    }
    throw (New-WcnNatConfigError -Message $message -Outcome 'HostNatConfigUnchanged' -DockerRunning $running -Category 'InvalidOperation')
}

# Restores daemon.json after docker failed to start with the new content, starts docker again and
# throws an error that says what happened.
function Undo-WcnDaemonJson {
    param([string]$Path, $OldBytes, $StartFailure, $Removed, [int]$TimeoutSeconds)
    $category = 'OpenError'
    if ($StartFailure.TimedOut) {
        $category = 'OperationTimeout'
    }
    $restoreFailure = $null
    try {
        Restore-WcnDaemonJson -Path $Path -OldBytes $OldBytes
    } catch {
        $restoreFailure = $_.Exception.Message
    }
    $secondFailure = Start-WcnDockerAndWait -TimeoutSeconds $TimeoutSeconds
    $running = ($null -eq $secondFailure) -and (Test-WcnDockerRunning)
    $message = "docker did not start with the new daemon.json: $($StartFailure.Reason). "
    if ($null -eq $restoreFailure) {
        $outcome = 'HostNatConfigRolledBack'
        if ($null -eq $OldBytes) {
            $message += "The new daemon.json was deleted, because the host had none before. "
        } else {
            $message += "The previous daemon.json was restored at $Path. "
        }
    } else {
        $outcome = 'HostNatConfigRollbackFailed'
        $message += "Restoring the previous daemon.json at $Path failed ($restoreFailure), so it still has the new content. "
    }
    $message += (Get-WcnRemovedNote -Removed $Removed) + ' ' + (Get-WcnDockerNote -Running $running)
    if ($null -ne $secondFailure) {
        $message += " Starting docker again failed too: $($secondFailure.Reason)."
    }
    # dockerd run as a service logs to the Application event log under its service name, docker
    # (eventlog.Open in moby's cmd/dockerd/service_windows.go).
    $message += ' Windows records the engine''s reason in the Application event log (source docker).'
    throw (New-WcnNatConfigError -Message $message -Outcome $outcome -DockerRunning $running -Category $category)
}

function Invoke-WcnOperationBody {
    param($OperationInput)
    $timeoutSeconds = Get-WcnTimeoutSeconds -OperationInput $OperationInput
    $requested = @(Get-WcnRequestedNetworks -OperationInput $OperationInput)

    # Step 1: compute the new daemon.json; invalid JSON fails here, before anything changes.
    $edit = Get-WcnDaemonJsonEdit -Set $OperationInput.set -Remove $OperationInput.remove
    $path = $edit.path
    $writeFile = $edit.changed
    if ($writeFile -and $null -eq $edit.oldContent -and (Test-WcnDaemonJsonEmpty -Content $edit.newContent)) {
        # No file and no keys to write: the engine already runs with the defaults.
        $writeFile = $false
    }
    $newContent = $edit.oldContent
    if ($writeFile) {
        $newContent = $edit.newContent
    }

    # Step 2: nothing to do leaves the host alone, including its services.
    $networks = @()
    if ($requested.Count -gt 0) {
        Assert-WcnHnsCommands
        $networks = @(Find-WcnHnsNetworks -Requested $requested)
    }
    $result = [ordered]@{
        path               = $path
        changed            = $false
        oldContent         = $edit.oldContent
        newContent         = $newContent
        removedHnsNetworks = @()
        services           = $null
        waitedMs           = 0
    }
    if (-not $writeFile -and $networks.Count -eq 0) {
        # An earlier run that lost its connection between stopping and starting docker leaves the
        # file already written and docker stopped, so a repeated run starts docker again.
        if (-not (Test-WcnDockerRunning)) {
            $startFailure = Start-WcnDockerAndWait -TimeoutSeconds $timeoutSeconds
            if ($null -ne $startFailure) {
                throw (New-WcnNatConfigError -Message "daemon.json already has the requested values, but docker was stopped and did not start: $($startFailure.Reason)" -Outcome 'HostNatConfigUnchanged' -DockerRunning $false -Category 'OpenError')
            }
        }
        $result.services = [ordered]@{ hns = (Get-WcnServiceState -Name 'hns'); docker = (Get-WcnServiceState -Name 'docker') }
        return $result
    }
    $oldBytes = $null
    if ($null -ne $edit.oldContent) {
        $oldBytes = [IO.File]::ReadAllBytes($path)
    }

    # Step 3: stop docker. Its containers stop with it.
    try {
        Stop-Service -Name 'docker' -WarningAction SilentlyContinue
    } catch {
        Stop-WcnUnchanged -Reason ('Stop-Service docker failed: ' + $_.Exception.Message.TrimEnd('.')) -Removed @() -TimeoutSeconds $timeoutSeconds
    }
    $dockerStatus = [string](Get-Service -Name 'docker').Status
    if ($dockerStatus -ne 'Stopped') {
        Stop-WcnUnchanged -Reason "docker did not stop (its status is $dockerStatus)" -Removed @() -TimeoutSeconds $timeoutSeconds
    }

    # Step 4: remove the HNS networks while the engine cannot re-create them. Any failure from
    # here on must start docker again, so each one becomes a reason for Stop-WcnUnchanged.
    $removed = @()
    $failureReason = $null
    if ($networks.Count -gt 0) {
        try {
            $removal = Remove-WcnHnsNetworks -Networks $networks
            $removed = @($removal.removed)
            $failureReason = $removal.error
        } catch {
            $failureReason = 'reading the HNS networks after Remove-HnsNetwork failed (' + $_.Exception.Message.TrimEnd('.') + '), so it is unknown which of ' + (Format-WcnNetworkList -Networks $networks) + ' were removed'
        }
    }

    # Step 5: write daemon.json.
    if ($null -eq $failureReason -and $writeFile) {
        try {
            Write-WcnTextFile -Path $path -Text $newContent
        } catch {
            $failureReason = "writing daemon.json at $path failed: " + $_.Exception.Message.TrimEnd('.')
        }
    }
    if ($null -ne $failureReason) {
        Stop-WcnUnchanged -Reason $failureReason -Removed $removed -TimeoutSeconds $timeoutSeconds
    }

    # Steps 6 and 7: start docker and wait for the engine, and roll back when it does not respond.
    $stopwatch = [Diagnostics.Stopwatch]::StartNew()
    $startFailure = Start-WcnDockerAndWait -TimeoutSeconds $timeoutSeconds
    if ($null -ne $startFailure) {
        if ($writeFile) {
            Undo-WcnDaemonJson -Path $path -OldBytes $oldBytes -StartFailure $startFailure -Removed $removed -TimeoutSeconds $timeoutSeconds
        }
        Stop-WcnUnchanged -Reason "docker did not start after the HNS networks were removed: $($startFailure.Reason)" -Removed $removed -TimeoutSeconds $timeoutSeconds
    }
    $removedIds = @()
    foreach ($network in $removed) {
        $removedIds += [string]$network.ID
    }
    $result.changed = $true
    $result.removedHnsNetworks = $removedIds
    $result.services = [ordered]@{ hns = (Get-WcnServiceState -Name 'hns'); docker = (Get-WcnServiceState -Name 'docker') }
    $result.waitedMs = [int]$stopwatch.ElapsedMilliseconds
    return $result
}
