# Operation restart-container-services: restarts hns and docker, then waits until the docker
# service runs and the engine answers GET /_ping (Test-WcnDockerEngine), at most timeoutSeconds
# (input, default 120). A timeout fails the operation with a TimeoutException.

function Invoke-WcnOperationBody {
    param($OperationInput)
    $timeoutSeconds = 120
    if ($null -ne $OperationInput -and $null -ne $OperationInput.timeoutSeconds) {
        $timeoutSeconds = [int]$OperationInput.timeoutSeconds
    }
    $stopwatch = [Diagnostics.Stopwatch]::StartNew()

    # Restarting hns with -Force stops docker first, because docker depends on hns.
    Restart-Service -Name 'hns' -Force
    Start-Service -Name 'docker'

    $engineAnswered = $false
    while ($stopwatch.Elapsed.TotalSeconds -lt $timeoutSeconds) {
        $docker = Get-Service -Name 'docker'
        if ([string]$docker.Status -eq 'Running' -and (Test-WcnDockerEngine)) {
            $engineAnswered = $true
            break
        }
        Start-Sleep -Milliseconds 500
    }
    if (-not $engineAnswered) {
        throw (New-Object -TypeName TimeoutException -ArgumentList "the Docker engine did not answer GET /_ping within $timeoutSeconds s after hns and docker were restarted")
    }
    return [ordered]@{
        services = [ordered]@{
            hns    = (Get-WcnServiceState -Name 'hns')
            docker = (Get-WcnServiceState -Name 'docker')
        }
        waitedMs = [int]$stopwatch.ElapsedMilliseconds
    }
}
