/*
 * A licensed gain as a plain LV2 plugin in C: the NextGen Noise SDK in the
 * smallest plugin a host can load. The license is checked once, when the host
 * instantiates the plugin (never in run(), the audio thread); a licensed
 * instance plays at its gain until the host closes it, any other is silent.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <lv2/core/lv2.h>

#include "ngn_license.h"
#include "ngn_pinned_keys.h"

#define LICENSED_GAIN_URI "https://nextgennoise.com/plugins/licensed-gain-lv2"

enum { PORT_GAIN, PORT_IN_L, PORT_IN_R, PORT_OUT_L, PORT_OUT_R, PORT_COUNT };

typedef struct {
    const float *gain;
    const float *in[2];
    float *out[2];
    bool licensed;
} LicensedGain;

static LV2_Handle instantiate(const LV2_Descriptor *descriptor, double rate, const char *bundle, const LV2_Feature *const *features) {
    (void)descriptor, (void)rate, (void)bundle, (void)features;
    LicensedGain *self = calloc(1, sizeof *self);
    if (!self) return NULL;
    const ngn_options options = { NGN_PRODUCT, NGN_PINNED_KEYS, NGN_PINNED_KEY_COUNT, NULL, 0 };
    ngn_license_state state;
    self->licensed = ngn_license_check(&options, &state) == NGN_VALID;
    return self;
}

static void connect_port(LV2_Handle instance, uint32_t port, void *data) {
    LicensedGain *self = instance;
    switch (port) {
        case PORT_GAIN: self->gain = data; break;
        case PORT_IN_L: self->in[0] = data; break;
        case PORT_IN_R: self->in[1] = data; break;
        case PORT_OUT_L: self->out[0] = data; break;
        case PORT_OUT_R: self->out[1] = data; break;
        default: break;
    }
}

static void run(LV2_Handle instance, uint32_t frames) {
    const LicensedGain *self = instance;
    const float gain = self->licensed && self->gain ? *self->gain : 0.0f;
    for (int channel = 0; channel < 2; channel++) {
        if (!self->out[channel]) continue;
        if (!self->licensed || !self->in[channel]) {
            memset(self->out[channel], 0, frames * sizeof(float));
            continue;
        }
        for (uint32_t i = 0; i < frames; i++) self->out[channel][i] = self->in[channel][i] * gain;
    }
}

static void cleanup(LV2_Handle instance) { free(instance); }

static const LV2_Descriptor descriptor = {
    LICENSED_GAIN_URI, instantiate, connect_port, NULL, run, NULL, cleanup, NULL,
};

LV2_SYMBOL_EXPORT const LV2_Descriptor *lv2_descriptor(uint32_t index) { return index == 0 ? &descriptor : NULL; }
