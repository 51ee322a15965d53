/* macOS: IOPlatformUUID of IOPlatformExpertDevice, as `ioreg -rd1 -c IOPlatformExpertDevice` shows it. */
#include <CoreFoundation/CoreFoundation.h>
#include <IOKit/IOKitLib.h>

#include "internal.h"

int ngn_raw_machine_id(char *out, size_t capacity) {
    io_service_t expert = IOServiceGetMatchingService(kIOMainPortDefault, IOServiceMatching("IOPlatformExpertDevice"));
    if (!expert) return -1;
    CFTypeRef uuid = IORegistryEntryCreateCFProperty(expert, CFSTR(kIOPlatformUUIDKey), kCFAllocatorDefault, 0);
    IOObjectRelease(expert);
    if (!uuid) return -1;
    int ok = CFGetTypeID(uuid) == CFStringGetTypeID() &&
             CFStringGetCString((CFStringRef)uuid, out, (CFIndex)capacity, kCFStringEncodingUTF8);
    CFRelease(uuid);
    return ok ? 0 : -1;
}
