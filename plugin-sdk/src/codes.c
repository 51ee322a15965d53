#include "ngn_license.h"

const char *ngn_code_name(ngn_code code) {
    switch (code) {
        case NGN_VALID: return "VALID";
        case NGN_MALFORMED: return "MALFORMED";
        case NGN_UNKNOWN_KEY: return "UNKNOWN_KEY";
        case NGN_BAD_SIGNATURE: return "BAD_SIGNATURE";
        case NGN_PRODUCT_MISMATCH: return "PRODUCT_MISMATCH";
        case NGN_FINGERPRINT_MISMATCH: return "FINGERPRINT_MISMATCH";
        case NGN_EXPIRED: return "EXPIRED";
        case NGN_GRACE_EXPIRED: return "GRACE_EXPIRED";
        case NGN_ENTITLEMENT_MISSING: return "ENTITLEMENT_MISSING";
        case NGN_CLOCK_TAMPERED: return "CLOCK_TAMPERED";
        case NGN_NOT_ACTIVATED: return "NOT_ACTIVATED";
        case NGN_MACHINE_ID_UNAVAILABLE: return "MACHINE_ID_UNAVAILABLE";
    }
    return "UNKNOWN";
}

const char *ngn_code_message(ngn_code code) {
    switch (code) {
        case NGN_VALID: return "Licensed on this computer.";
        case NGN_MALFORMED: return "The activation file is damaged. Open NextGen Noise Companion to activate this computer again.";
        case NGN_UNKNOWN_KEY:
            return "This activation was signed by a key this plugin does not know. Update the plugin from NextGen Noise Companion.";
        case NGN_BAD_SIGNATURE: return "The activation file was changed. Open NextGen Noise Companion to activate this computer again.";
        case NGN_PRODUCT_MISMATCH: return "The activation file belongs to another product. Activate this plugin in NextGen Noise Companion.";
        case NGN_FINGERPRINT_MISMATCH:
            return "This activation belongs to another computer. Activate this computer in NextGen Noise Companion.";
        case NGN_EXPIRED: return "Your license has ended. Renew it in NextGen Noise Companion to keep using the plugin.";
        case NGN_GRACE_EXPIRED:
            return "This computer has been offline too long. Open NextGen Noise Companion while online to refresh the activation.";
        case NGN_ENTITLEMENT_MISSING: return "Your license does not include this feature. Upgrade it in NextGen Noise Companion.";
        case NGN_CLOCK_TAMPERED:
            return "This computer's clock is behind the real time. Set the correct date and time, then open the plugin again.";
        case NGN_NOT_ACTIVATED: return "This computer is not activated. Sign in to NextGen Noise Companion and activate the plugin.";
        case NGN_MACHINE_ID_UNAVAILABLE: return "The plugin could not identify this computer. Contact NextGen Noise support.";
    }
    return "Unknown license state.";
}
