import type { KeyMaterial } from "../keys/key-material.js";
import type { ObjectAttributes } from "../state/attributes.js";

export const PKCS12_CONTENT_TYPE = "application/x-pkcs12";
export const PEM_CONTENT_TYPE = "application/x-pem-file";

/** A certificate policy in its wire (snake_case) form, with the service's defaults filled in. */
export interface StoredPolicy {
  key_props: { exportable: boolean; kty: string; key_size?: number; reuse_key: boolean; crv?: string };
  secret_props: { contentType: string };
  x509_props: {
    subject: string;
    sans?: {
      emails?: string[];
      dns_names?: string[];
      upns?: string[];
      uris?: string[];
      ipAddresses?: string[];
    };
    ekus?: string[];
    key_usage?: string[];
    validity_months: number;
  };
  lifetime_actions: {
    trigger: { lifetime_percentage?: number; days_before_expiry?: number };
    action: { action_type: string };
  }[];
  issuer: { name: string; cty?: string; cert_transparency?: boolean };
  attributes: { enabled: boolean; created: number; updated: number };
}

export type OperationStatus = "inProgress" | "completed" | "cancelled" | "failed";

/** The pending operation of a certificate created with an issuer that is not `Self`. */
export interface PendingOperation {
  requestId: string;
  version: string;
  issuer: StoredPolicy["issuer"];
  csrDer?: Buffer;
  status: OperationStatus;
  statusDetails: string;
  cancellationRequested: boolean;
  error?: { code: string; message: string };
  /** The key pair the CSR was made with; a merged certificate must carry its public key. */
  material?: KeyMaterial;
  preserveCertOrder?: boolean;
}

export interface CertificateVersion {
  version: string;
  /** DER of the leaf; missing while the version is pending. */
  der?: Buffer;
  /** DER of the rest of the chain, in order. */
  chain: Buffer[];
  /** SHA-1 of the DER. */
  thumbprint?: Buffer;
  attributes: ObjectAttributes;
  tags?: Record<string, string>;
  pending?: boolean;
  preserveCertOrder?: boolean;
}

export interface CertificateMeta {
  policy?: StoredPolicy;
  pending?: PendingOperation;
}

export interface Contact {
  email?: string;
  name?: string;
  phone?: string;
}

export interface IssuerRecord {
  name: string;
  provider: string;
  credentials?: { account_id?: string; pwd?: string };
  org_details?: {
    id?: string;
    admin_details?: { first_name?: string; last_name?: string; email?: string; phone?: string }[];
  };
  attributes: { enabled: boolean; created: number; updated: number };
}
