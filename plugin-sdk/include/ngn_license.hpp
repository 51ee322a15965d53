// C++ face of the NextGen Noise license SDK: one object per plugin instance,
// checked once when it is made (never on the audio thread), immutable after.
//
//   #include "ngn_license.hpp"
//   #include "ngn_pinned_keys.h"
//   const ngn::License license { "mixing_mentor", NGN_PINNED_KEYS, NGN_PINNED_KEY_COUNT, { "mixing_mentor.core" } };
//   if (license.valid()) { ... }
//   editorLabel.setText (license.message(), ...);
#pragma once

#include <cstddef>
#include <initializer_list>
#include <string>
#include <vector>

#include "ngn_license.h"

namespace ngn {

class License {
public:
    // Runs the whole offline check of ngn_license_check for `product`; the
    // entitlements (all required) are only read during the call.
    License(const char* product, const ngn_public_key* keys, std::size_t keyCount,
            std::initializer_list<const char*> entitlements = {})
        : product_(product ? product : "") {
        const std::vector<const char*> required(entitlements);
        const ngn_options options { product_.c_str(), keys, keyCount, required.empty() ? nullptr : required.data(), required.size() };
        ngn_license_check(&options, &state_);
    }

    bool valid() const noexcept { return state_.code == NGN_VALID; }
    ngn_code code() const noexcept { return state_.code; }
    // "VALID", "EXPIRED", ...: stable names for logs and support.
    const char* codeName() const noexcept { return ngn_code_name(state_.code); }
    // One sentence for the user, saying what to do.
    const char* message() const noexcept { return ngn_code_message(state_.code); }
    const ngn_license_state& state() const noexcept { return state_; }
    const std::string& product() const noexcept { return product_; }

private:
    std::string product_;
    ngn_license_state state_ {};
};

}  // namespace ngn
