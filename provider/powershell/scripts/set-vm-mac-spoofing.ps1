# Operation set-vm-mac-spoofing: runs on a Hyper-V parent host and turns MAC address spoofing on or
# off on every network adapter of a virtual machine, which a nested container host needs for
# transparent networks with DHCP. Input: vmName and enabled. Only adapters with another setting are
# changed; changed is false when none had one.

# Projects a VM network adapter to the RawVmNetworkAdapter shape.
function ConvertTo-WcnVmNetworkAdapter {
    param($Adapter)
    return [ordered]@{
        Name               = [string]$Adapter.Name
        VMName             = [string]$Adapter.VMName
        MacAddressSpoofing = [string]$Adapter.MacAddressSpoofing
    }
}

function Invoke-WcnOperationBody {
    param($OperationInput)
    $vmName = [string]$OperationInput.vmName
    if ([string]::IsNullOrEmpty($vmName)) {
        throw (New-Object -TypeName ArgumentException -ArgumentList 'set-vm-mac-spoofing needs the virtual machine name in vmName')
    }
    $value = 'Off'
    if ([bool]$OperationInput.enabled) {
        $value = 'On'
    }

    # -ErrorAction Stop makes an unknown VM fail the operation instead of listing no adapters.
    $different = @(Get-VMNetworkAdapter -VMName $vmName -ErrorAction Stop | Where-Object { [string]$_.MacAddressSpoofing -ne $value })
    if ($different.Count -gt 0) {
        $different | Set-VMNetworkAdapter -MacAddressSpoofing $value
    }
    $adapters = @()
    foreach ($adapter in @(Get-VMNetworkAdapter -VMName $vmName -ErrorAction Stop)) {
        $adapters += ConvertTo-WcnVmNetworkAdapter -Adapter $adapter
    }
    return [ordered]@{ adapters = $adapters; changed = ($different.Count -gt 0) }
}
