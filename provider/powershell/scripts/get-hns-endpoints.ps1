# Operation get-hns-endpoints: lists the HNS endpoints of the host. Input: an object whose
# optional networkId (an HNS network GUID, any case) keeps only the endpoints of that network.

function ConvertFrom-WcnHnsEndpoint {
    param($Endpoint)
    $sharedContainers = @()
    foreach ($container in @($Endpoint.SharedContainers)) {
        if ($null -ne $container) {
            $sharedContainers += [string]$container
        }
    }
    $prefixLength = $null
    if ($null -ne $Endpoint.PrefixLength) {
        $prefixLength = [int]$Endpoint.PrefixLength
    }
    return [ordered]@{
        ID                 = [string]$Endpoint.ID
        Name               = [string]$Endpoint.Name
        VirtualNetwork     = [string]$Endpoint.VirtualNetwork
        VirtualNetworkName = [string]$Endpoint.VirtualNetworkName
        IPAddress          = [string]$Endpoint.IPAddress
        PrefixLength       = $prefixLength
        GatewayAddress     = [string]$Endpoint.GatewayAddress
        MacAddress         = [string]$Endpoint.MacAddress
        DNSServerList      = [string]$Endpoint.DNSServerList
        DNSSuffix          = [string]$Endpoint.DNSSuffix
        SharedContainers   = $sharedContainers
    }
}

function Invoke-WcnOperationBody {
    param($OperationInput)
    $networkId = $null
    if ($null -ne $OperationInput -and $null -ne $OperationInput.networkId) {
        $networkId = [string]$OperationInput.networkId
    }
    $endpoints = @()
    foreach ($endpoint in @(Get-HnsEndpoint)) {
        if ($null -ne $networkId -and [string]$endpoint.VirtualNetwork -ne $networkId) {
            # -ne on strings ignores case, so GUIDs match in either case.
            continue
        }
        $endpoints += ConvertFrom-WcnHnsEndpoint -Endpoint $endpoint
    }
    return [ordered]@{ endpoints = $endpoints }
}
