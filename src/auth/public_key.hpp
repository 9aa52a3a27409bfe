#pragma once
// Loads the verification key for RS256 / ES256 tokens from PEM text (JWT_PUBLIC_KEY_FILE contents).
// Thread safety: stateless function.
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace hearth::auth {

struct PublicKey {
  std::string alg;       // the one JWS algorithm this key verifies: "RS256" or "ES256"
  std::string spki_pem;  // the key re-encoded as "-----BEGIN PUBLIC KEY-----" (the form libjwt reads)
};

// Accepts a SubjectPublicKeyInfo PEM ("BEGIN PUBLIC KEY") or an X.509 certificate PEM. RSA keys must have at
// least 2048 bits; EC keys must be on P-256. Errors are errc::invalid_argument with a message for the operator.
Result<PublicKey> load_public_key(std::string_view pem);

}  // namespace hearth::auth
