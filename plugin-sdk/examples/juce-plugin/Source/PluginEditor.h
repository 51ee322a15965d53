#pragma once

#include <juce_audio_processors/juce_audio_processors.h>

#include "PluginProcessor.h"

// Says what the license check concluded, in the SDK's sentence for the code,
// and offers the gain only when the plugin plays.
class LicensedGainEditor : public juce::AudioProcessorEditor {
public:
    explicit LicensedGainEditor(LicensedGainProcessor&);

    void paint(juce::Graphics&) override;
    void resized() override;

private:
    LicensedGainProcessor& processor_;
    juce::Label state_, message_, details_, gainLabel_;
    juce::Slider gain_;
    juce::SliderParameterAttachment gainAttachment_;

    JUCE_DECLARE_NON_COPYABLE_WITH_LEAK_DETECTOR(LicensedGainEditor)
};
