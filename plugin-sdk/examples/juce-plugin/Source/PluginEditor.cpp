#include "PluginEditor.h"

namespace {
juce::Colour toneOf(ngn_code code) {
    switch (code) {
        case NGN_VALID: return juce::Colour(0xff3ddc84);
        case NGN_GRACE_EXPIRED:
        case NGN_EXPIRED:
        case NGN_NOT_ACTIVATED: return juce::Colour(0xffffb74d);
        default: return juce::Colour(0xffff6e6e);
    }
}

// What support needs: the code, and the license the token named.
juce::String detailsOf(const ngn::License& license) {
    const auto& s = license.state();
    juce::String text = juce::String("Code ") + license.codeName();
    if (!s.has_claims) return text;
    text << "  |  " << s.license_type << " license, " << s.policy;
    if (s.license_expires_at > 0) text << ", ends " << juce::Time(s.license_expires_at * 1000).toString(true, false);
    return text;
}
}  // namespace

LicensedGainEditor::LicensedGainEditor(LicensedGainProcessor& p)
    : AudioProcessorEditor(&p), processor_(p), gainAttachment_(p.gain(), gain_) {
    const auto& license = processor_.license();
    state_.setText(license.valid() ? "Licensed" : "Not playing", juce::dontSendNotification);
    state_.setFont(juce::Font(20.0f, juce::Font::bold));
    state_.setColour(juce::Label::textColourId, toneOf(license.code()));
    message_.setText(license.message(), juce::dontSendNotification);
    message_.setMinimumHorizontalScale(1.0f);
    details_.setText(detailsOf(license), juce::dontSendNotification);
    details_.setColour(juce::Label::textColourId, juce::Colours::lightgrey);
    gain_.setSliderStyle(juce::Slider::LinearHorizontal);
    gain_.setTextBoxStyle(juce::Slider::TextBoxRight, false, 64, 22);
    gain_.setEnabled(license.valid());
    gainLabel_.setText("Gain", juce::dontSendNotification);
    gainLabel_.attachToComponent(&gain_, true);
    for (auto* c : std::initializer_list<juce::Component*> { &state_, &message_, &details_, &gain_ }) addAndMakeVisible(c);
    setSize(460, 200);
}

void LicensedGainEditor::paint(juce::Graphics& g) { g.fillAll(juce::Colour(0xff1c1f26)); }

void LicensedGainEditor::resized() {
    auto area = getLocalBounds().reduced(16);
    state_.setBounds(area.removeFromTop(30));
    message_.setBounds(area.removeFromTop(56));
    details_.setBounds(area.removeFromTop(24));
    area.removeFromTop(12);
    gain_.setBounds(area.removeFromTop(28).withTrimmedLeft(48));
}
