/*
 * The plugin through the LV2 ABI a host uses: an instance created while the
 * machine is licensed keeps playing after the token goes away (a lapse never
 * mutes a running session); an instance created after that is silent.
 *   instance-lifetime-test PATH/TO/licensed_gain.so TOKEN_FILE
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include <lv2/core/lv2.h>

#define FRAMES 64

static float render(const LV2_Descriptor *d, LV2_Handle h) {
    float gain = 0.5f, in[FRAMES], out_l[FRAMES], out_r[FRAMES];
    for (int i = 0; i < FRAMES; i++) in[i] = 0.25f;
    d->connect_port(h, 0, &gain);
    d->connect_port(h, 1, in);
    d->connect_port(h, 2, in);
    d->connect_port(h, 3, out_l);
    d->connect_port(h, 4, out_r);
    d->run(h, FRAMES);
    return out_l[FRAMES - 1] + out_r[FRAMES - 1];
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fputs("usage: instance-lifetime-test PLUGIN_SO TOKEN_FILE\n", stderr);
        return 2;
    }
    void *library = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    LV2_Descriptor_Function entry = library ? (LV2_Descriptor_Function)(uintptr_t)dlsym(library, "lv2_descriptor") : NULL;
    const LV2_Descriptor *d = entry ? entry(0) : NULL;
    if (!d) {
        fprintf(stderr, "cannot load %s: %s\n", argv[1], dlerror());
        return 2;
    }
    const LV2_Feature *const features[] = { NULL };
    LV2_Handle before = d->instantiate(d, 48000, "", features);
    float first = render(d, before);
    if (remove(argv[2]) != 0) {
        perror(argv[2]);
        return 2;
    }
    float still = render(d, before);
    LV2_Handle after = d->instantiate(d, 48000, "", features);
    float later = render(d, after);
    d->cleanup(before);
    d->cleanup(after);
    printf("before %.3f, same instance after the token went %.3f, new instance %.3f\n", first, still, later);
    int ok = first > 0.2f && still == first && later == 0.0f;
    puts(ok ? "OK" : "FAIL");
    return ok ? 0 : 1;
}
