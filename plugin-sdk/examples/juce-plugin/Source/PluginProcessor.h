#pragma once

#include <juce_audio_processors/juce_audio_processors.h>

#include "ngn_license.hpp"

// A gain that plays only on a licensed machine. The license is checked once,
// when the host creates the instance: a license that lapses during a session
// never mutes a running instance; the next instance sees it.
class LicensedGainProcessor : public juce::AudioProcessor {
public:
    LicensedGainProcessor();

    const ngn::License& license() const noexcept { return license_; }
    juce::AudioParameterFloat& gain() noexcept { return *gain_; }

    void prepareToPlay(double, int) override {}
    void releaseResources() override {}
    bool isBusesLayoutSupported(const BusesLayout& layouts) const override;
    void processBlock(juce::AudioBuffer<float>&, juce::MidiBuffer&) override;

    juce::AudioProcessorEditor* createEditor() override;
    bool hasEditor() const override { return true; }

    const juce::String getName() const override { return JucePlugin_Name; }
    bool acceptsMidi() const override { return false; }
    bool producesMidi() const override { return false; }
    double getTailLengthSeconds() const override { return 0.0; }
    int getNumPrograms() override { return 1; }
    int getCurrentProgram() override { return 0; }
    void setCurrentProgram(int) override {}
    const juce::String getProgramName(int) override { return {}; }
    void changeProgramName(int, const juce::String&) override {}
    void getStateInformation(juce::MemoryBlock&) override;
    void setStateInformation(const void*, int) override;

private:
    const ngn::License license_;
    juce::AudioParameterFloat* gain_;

    JUCE_DECLARE_NON_COPYABLE_WITH_LEAK_DETECTOR(LicensedGainProcessor)
};
