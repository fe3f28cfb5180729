/**
 * Azure locations grouped into geographies: Azure platform knowledge that services build rules
 * on (Key Vault restores a backup only into a vault of the same subscription and geography).
 */
const GEOGRAPHIES: Record<string, readonly string[]> = {
  "United States": [
    "eastus",
    "eastus2",
    "westus",
    "westus2",
    "westus3",
    "centralus",
    "northcentralus",
    "southcentralus",
    "westcentralus",
    "eastus2euap",
    "centraluseuap",
  ],
  "Azure Government": ["usgovvirginia", "usgovarizona", "usgovtexas", "usdodeast", "usdodcentral"],
  Canada: ["canadacentral", "canadaeast"],
  Brazil: ["brazilsouth", "brazilsoutheast"],
  Mexico: ["mexicocentral"],
  Chile: ["chilecentral"],
  Europe: ["northeurope", "westeurope"],
  "United Kingdom": ["uksouth", "ukwest"],
  France: ["francecentral", "francesouth"],
  Germany: ["germanywestcentral", "germanynorth"],
  Switzerland: ["switzerlandnorth", "switzerlandwest"],
  Norway: ["norwayeast", "norwaywest"],
  Sweden: ["swedencentral", "swedensouth"],
  Poland: ["polandcentral"],
  Italy: ["italynorth"],
  Spain: ["spaincentral"],
  Austria: ["austriaeast"],
  Belgium: ["belgiumcentral"],
  Denmark: ["denmarkeast"],
  "Asia Pacific": ["eastasia", "southeastasia"],
  Japan: ["japaneast", "japanwest"],
  Korea: ["koreacentral", "koreasouth"],
  India: ["centralindia", "southindia", "westindia", "jioindiawest", "jioindiacentral"],
  Australia: ["australiaeast", "australiasoutheast", "australiacentral", "australiacentral2"],
  "New Zealand": ["newzealandnorth"],
  Indonesia: ["indonesiacentral"],
  Malaysia: ["malaysiawest"],
  Taiwan: ["taiwannorth"],
  China: ["chinaeast", "chinaeast2", "chinaeast3", "chinanorth", "chinanorth2", "chinanorth3"],
  "United Arab Emirates": ["uaenorth", "uaecentral"],
  Qatar: ["qatarcentral"],
  Israel: ["israelcentral"],
  "South Africa": ["southafricanorth", "southafricawest"],
};

const BY_LOCATION = new Map<string, string>(
  Object.entries(GEOGRAPHIES).flatMap(([geography, locations]) =>
    locations.map((l) => [l, geography] as const),
  ),
);

/** `"East US"` and `"eastus"` are the same location. */
export function normaliseLocation(location: string): string {
  return location.replace(/\s+/g, "").toLowerCase();
}

/** The geography of a location; an unknown location is a geography of its own. */
export function geographyOf(location: string): string {
  const normalised = normaliseLocation(location);
  return BY_LOCATION.get(normalised) ?? normalised;
}
