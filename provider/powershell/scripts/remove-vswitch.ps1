# Operation remove-vswitch: removes a switch with Remove-VMSwitch -Force. Input: name, id (checked
# as in set-vswitch) and removeSwitchNetworks. A name that no switch has gives removed: false.
# With removeSwitchNetworks, the transparent HNS network that HNS made for the switch when it
# started (named after the switch, on one of its adapters) is removed first with
# Remove-HnsNetwork. HNS networks of Docker networks that users created have other names and are
# left alone.

# Returns the switches with this name, compared without case as in Hyper-V.
function Get-WcnSwitchesByName {
    param([string]$Name)
    return @(Get-VMSwitch | Where-Object { [string]$_.Name -eq $Name })
}

# Returns the HNS networks that HNS made for the switch: transparent, named after the switch and
# bound to one of its adapters.
function Get-WcnSwitchNetworks {
    param($VmSwitch)
    if (-not (Get-Command -Name 'Get-HnsNetwork' -ErrorAction SilentlyContinue)) {
        $exception = New-Object -TypeName Management.Automation.CommandNotFoundException -ArgumentList "Get-HnsNetwork is not available on this host, so the HNS networks of switch '$($VmSwitch.Name)' cannot be removed: import the HostNetworkingService module or set removeSwitchNetworks to false"
        throw (New-Object -TypeName Management.Automation.ErrorRecord -ArgumentList $exception, 'HnsCommandNotFound', 'ObjectNotFound', 'Get-HnsNetwork')
    }
    $descriptions = @($VmSwitch.NetAdapterInterfaceDescriptions | Where-Object { $null -ne $_ } | ForEach-Object { [string]$_ })
    $adapterNames = @(Get-NetAdapter | Where-Object { $descriptions -contains [string]$_.InterfaceDescription } | ForEach-Object { [string]$_.Name })
    return @(Get-HnsNetwork | Where-Object {
            [string]$_.Name -eq [string]$VmSwitch.Name -and
            [string]$_.Type -eq 'transparent' -and
            $adapterNames -contains [string]$_.NetworkAdapterName
        })
}

function Invoke-WcnOperationBody {
    param($OperationInput)
    $name = [string]$OperationInput.name
    $id = [string]$OperationInput.id
    if ([string]::IsNullOrEmpty($name) -or [string]::IsNullOrEmpty($id)) {
        throw (New-Object -TypeName ArgumentException -ArgumentList 'remove-vswitch needs the switch name in name and its GUID in id')
    }

    $named = Get-WcnSwitchesByName -Name $name
    if ($named.Count -eq 0) {
        return [ordered]@{ removed = $false; removedHnsNetworks = @() }
    }
    $matching = @($named | Where-Object { ([string]$_.Id).ToLowerInvariant() -eq $id.ToLowerInvariant() })
    if ($matching.Count -eq 0) {
        $actual = ($named | ForEach-Object { ([string]$_.Id).ToLowerInvariant() }) -join ', '
        $exception = New-Object -TypeName InvalidOperationException -ArgumentList "virtual switch '$name' has id $actual, not $id`: it was replaced after the request was made, so nothing was removed"
        throw (New-Object -TypeName Management.Automation.ErrorRecord -ArgumentList $exception, 'VSwitchIdMismatch', 'InvalidOperation', $name)
    }
    $vmSwitch = $matching[0]

    $removedHnsNetworks = @()
    if ([bool]$OperationInput.removeSwitchNetworks) {
        $networks = Get-WcnSwitchNetworks -VmSwitch $vmSwitch
        if ($networks.Count -gt 0) {
            $networks | Remove-HnsNetwork
            $removedHnsNetworks = @($networks | ForEach-Object { [string]$_.ID })
        }
    }
    Remove-VMSwitch -VMSwitch $vmSwitch -Force
    return [ordered]@{ removed = $true; removedHnsNetworks = $removedHnsNetworks }
}
