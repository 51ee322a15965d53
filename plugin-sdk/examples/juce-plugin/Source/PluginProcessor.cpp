#include "PluginProcessor.h"

#include "PluginEditor.h"
#include "ngn_pinned_keys.h"

LicensedGainProcessor::LicensedGainProcessor()
    : AudioProcessor(BusesProperties()
                         .withInput("Input", juce::AudioChannelSet::stereo(), true)
                         .withOutput("Output", juce::AudioChannelSet::stereo(), true)),
      license_(NGN_PRODUCT, NGN_PINNED_KEYS, NGN_PINNED_KEY_COUNT),
      gain_(new juce::AudioParameterFloat(juce::ParameterID { "gain", 1 }, "Gain", 0.0f, 1.0f, 0.5f)) {
    addParameter(gain_);
}

bool LicensedGainProcessor::isBusesLayoutSupported(const BusesLayout& layouts) const {
    const auto out = layouts.getMainOutputChannelSet();
    return (out == juce::AudioChannelSet::mono() || out == juce::AudioChannelSet::stereo()) && out == layouts.getMainInputChannelSet();
}

void LicensedGainProcessor::processBlock(juce::AudioBuffer<float>& buffer, juce::MidiBuffer&) {
    juce::ScopedNoDenormals noDenormals;
    // The verdict was made when the instance was created: the audio thread only reads it.
    if (!license_.valid()) {
        buffer.clear();
        return;
    }
    buffer.applyGain(gain_->get());
}

juce::AudioProcessorEditor* LicensedGainProcessor::createEditor() { return new LicensedGainEditor(*this); }

void LicensedGainProcessor::getStateInformation(juce::MemoryBlock& data) {
    juce::MemoryOutputStream(data, true).writeFloat(gain_->get());
}

void LicensedGainProcessor::setStateInformation(const void* data, int size) {
    if (size >= 4) *gain_ = juce::MemoryInputStream(data, static_cast<size_t>(size), false).readFloat();
}

juce::AudioProcessor* JUCE_CALLTYPE createPluginFilter() { return new LicensedGainProcessor(); }
